/// A command that could not do its job for a reason outside the command line (exit status 1):
/// the message says what happened and what to check.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
