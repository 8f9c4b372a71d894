import ServiceSupport
/// The engine's `oom` reply: the batch did not fit, either refused by the KV budget check
/// before running (`kv_budget`, step 0) or stopped by an allocation failure (`allocation`).
struct EngineOutOfMemory: Sendable, Hashable, Decodable {
    var batchID: Int
    var step: Int
    var requiredBytes: Int
    var availableBytes: Int
    var wallSeconds: Double
    var reason: String
    var message: String?

    enum CodingKeys: String, CodingKey {
        case step, reason, message
        case batchID = "batch_id"
        case requiredBytes = "required_bytes"
        case availableBytes = "available_bytes"
        case wallSeconds = "wall_seconds"
    }
}
