import Shared

/// `log_sync`: `full` or `normal`.
extension SQLiteSynchronous: ConfigChoice {}
