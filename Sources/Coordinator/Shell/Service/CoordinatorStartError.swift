import Coordinator
import ServiceSupport
import Storage

/// Why a coordinator service could not start.
public enum CoordinatorStartError: Error, CustomStringConvertible, Sendable {
    /// A socket could not be bound.
    case bind(BindError)
    /// The log store could not be opened, read or written at start.
    case logStore(path: String, StorageError)
    /// The training data could not be read.
    case trainingData(String)

    public var description: String {
        switch self {
        case .bind(let error): error.description
        case .logStore(let path, let error): "log store \(path): \(error)"
        case .trainingData(let message): "training data: \(message)"
        }
    }
}
