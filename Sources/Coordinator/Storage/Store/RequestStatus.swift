/// Where a journalled request is in its life; the `requests.status` column.
public enum RequestStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, running, done, failed, cancelled

    /// Done, failed or cancelled: a final answer exists and retention may drop the row.
    public var isFinished: Bool {
        switch self {
        case .queued, .running: false
        case .done, .failed, .cancelled: true
        }
    }
}
