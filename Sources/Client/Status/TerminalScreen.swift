/// The terminal control sequences of a full-screen view that redraws in place: the
/// alternate screen (the shell's screen and scrollback come back untouched on exit), and
/// frames that overwrite the previous one line by line instead of clearing the screen, so
/// nothing flickers and no terminal or tmux history fills with old frames.
public enum TerminalScreen {
    /// Switches to the alternate screen and hides the cursor.
    public static let enter = "\u{1B}[?1049h\u{1B}[?25l"
    /// Shows the cursor and returns to the normal screen.
    public static let leave = "\u{1B}[?25h\u{1B}[?1049l"

    /// A frame drawn over the previous one: cursor home, each line followed by clear to the
    /// end of the line, then clear below the last line. Lines must fit the terminal's width
    /// (`StatusView.render` with a size cuts them) or they wrap.
    /// - Complexity: O(total length of `lines`).
    public static func frame(_ lines: [String]) -> String {
        "\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\u{1B}[J"
    }
}
