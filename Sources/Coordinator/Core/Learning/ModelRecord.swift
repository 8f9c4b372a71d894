import Shared

/// One stored model version's metadata (without its bytes): for the status stream, the
/// operator, and the choice of what to load.
public struct ModelRecord: Sendable, Hashable {
    public var kind: ModelKind
    /// 1, 2, 3, ... per kind, in training order.
    public var version: Int
    public var trainedAt: Seconds
    public var source: String
    public var trainingRows: Int
    /// Rows this version added to its predecessor's training set.
    public var addedRows: Int
    public var holdoutRows: Int
    /// Its error on the held-out slice (nil for bootstrapped versions).
    public var validationError: Double?
    /// The error of the model in service on the same slice.
    public var baselineError: Double?
    public var status: ModelDecision
    public var isActive: Bool
    /// Log position of the newest row it learned from.
    public var dataThrough: Int64?
    /// Encoding version of the stored bytes.
    public var format: Int
    public var byteCount: Int

    public init(
        kind: ModelKind, version: Int, trainedAt: Seconds, source: String, trainingRows: Int, addedRows: Int,
        holdoutRows: Int, validationError: Double?, baselineError: Double?, status: ModelDecision, isActive: Bool,
        dataThrough: Int64?, format: Int, byteCount: Int
    ) {
        self.kind = kind
        self.version = version
        self.trainedAt = trainedAt
        self.source = source
        self.trainingRows = trainingRows
        self.addedRows = addedRows
        self.holdoutRows = holdoutRows
        self.validationError = validationError
        self.baselineError = baselineError
        self.status = status
        self.isActive = isActive
        self.dataThrough = dataThrough
        self.format = format
        self.byteCount = byteCount
    }
}
