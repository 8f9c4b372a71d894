extension ErrorCode {
    /// The frame is not a JSON object, a field is missing or has the wrong type, or the
    /// multipart envelope is wrong.
    public static let malformedMessage = ErrorCode("malformed_message")
    /// The message's `"v"` is not a protocol version this peer speaks.
    public static let unsupportedVersion = ErrorCode("unsupported_version")
    /// The message's `"type"` is not one this socket accepts.
    public static let unknownType = ErrorCode("unknown_type")
    /// The payload is larger than the receiver accepts.
    public static let payloadTooLarge = ErrorCode("payload_too_large")
    /// A worker message came from a worker the coordinator does not know (it restarted, or
    /// declared the worker dead): say `hello` again.
    public static let unknownWorker = ErrorCode("unknown_worker")
    /// A worker reported on a batch that is not (or no longer) assigned to it.
    public static let unknownBatch = ErrorCode("unknown_batch")
    /// A worker's report on its batch breaks the protocol (outputs for requests not in the
    /// batch, negative or non-finite numbers): the batch is requeued as after a fault.
    public static let invalidReport = ErrorCode("invalid_report")
    /// (to a worker) Its batch ran far past its estimate: the coordinator took it back and
    /// requeued it; a late report on it is ignored.
    public static let batchTimeout = ErrorCode("batch_timeout")
    /// A worker's mode does not match the coordinator's policy (a static worker under a
    /// continuous policy, or the reverse); it is not registered.
    public static let incompatibleWorker = ErrorCode("incompatible_worker")
    /// An unexpected failure inside the coordinator; the message says what.
    public static let internalError = ErrorCode("internal_error")
}
