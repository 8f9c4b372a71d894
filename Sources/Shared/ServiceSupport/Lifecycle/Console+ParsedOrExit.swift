import Shared

extension Console {
    /// What a service's `main.swift` does with its parsed options: the value; or, for
    /// `--help`, the help text printed and a clean exit; or the usage error printed and exit
    /// status 2.
    public static func parsedOrExit<Value>(_ parse: () throws(UsageError) -> (Value?, String)) -> Value {
        do {
            let (value, help) = try parse()
            guard let value else {
                out(help)
                exit(0)
            }
            return value
        } catch {
            fail(error.description)
        }
    }
}
