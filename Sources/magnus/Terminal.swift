#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Client

/// What the commands ask of the terminal they run in.
enum Terminal {
    /// Whether `descriptor` (1: standard output, 2: standard error) is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) != 0 }

    /// The size of the terminal on `descriptor`, or nil when it is not one or does not say.
    static func size(_ descriptor: Int32 = 1) -> StatusView.Size? {
        var window = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &window) == 0, window.ws_row > 0, window.ws_col > 0 else { return nil }
        return StatusView.Size(rows: Int(window.ws_row), columns: Int(window.ws_col))
    }
}
