import ServiceSupport
/// The endpoints a running coordinator is bound to, with wildcards (`tcp://*:0`) resolved.
public struct CoordinatorEndpoints: Sendable, Hashable {
    public var client: String
    public var worker: String
    public var status: String
}
