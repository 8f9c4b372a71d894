#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output and standard error without touching the C globals from
/// concurrent code unsafely: every write is one `fputs` + flush.
public enum Console {
    public static func out(_ text: String) {
        fputs(text + "\n", stdout)
        fflush(stdout)
    }

    public static func error(_ text: String) {
        fputs(text + "\n", stderr)
        fflush(stderr)
    }

    /// A progress line that rewrites itself on a terminal (carriage return), or a plain
    /// line when standard error is not a terminal.
    public static func progress(_ text: String) {
        if isatty(2) != 0 {
            fputs("\r\u{1B}[2K" + text, stderr)
        } else {
            fputs(text + "\n", stderr)
        }
        fflush(stderr)
    }

    /// Ends a progress line on a terminal.
    public static func endProgress() {
        if isatty(2) != 0 { fputs("\n", stderr) }
        fflush(stderr)
    }

    /// Exits the process after printing a usage or runtime error.
    public static func fail(_ message: String, code: Int32 = 2) -> Never {
        error(message)
        Console.exit(code)
    }
}

extension Console {
    /// Ends the process with `code`.
    public static func exit(_ code: Int32) -> Never {
        fflush(stdout)
        fflush(stderr)
        #if canImport(Glibc)
        Glibc.exit(code)
        #else
        Darwin.exit(code)
        #endif
    }
}

extension Console {
    /// Writes text as it is (no newline added), e.g. terminal control sequences.
    public static func outRaw(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }
}
