/// `cancel` (client → coordinator): withdraw a queued request. Answered by `cancelled`.
public struct CancelMessage: WireMessage {
    public static let type = "cancel"

    /// The request to withdraw.
    public var id: RequestID

    public init(id: RequestID) { self.id = id }

    enum CodingKeys: String, CodingKey, CaseIterable { case id }
}
