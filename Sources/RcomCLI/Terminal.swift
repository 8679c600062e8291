import Foundation

/// Output helpers: errors go to stderr prefixed with "rcom: ", progress only on a terminal.
/// What they print passes through `TerminalText.neutralized`: a message that quotes input (a
/// path, an argument, a line of a file) cannot send control sequences to the terminal.
public enum Terminal {
    public static func error(_ message: String) {
        FileHandle.standardError.write(Data("rcom: \(TerminalText.neutralized(message))\n".utf8))
    }

    public static func stderr(_ text: String) {
        FileHandle.standardError.write(Data(TerminalText.neutralized(text).utf8))
    }

    /// Draws `line` over the current line of stderr (a progress bar): the one place where rcom
    /// itself sends a carriage return and an erase-to-end-of-line sequence.
    public static func redraw(_ line: String) {
        FileHandle.standardError.write(Data("\r\(TerminalText.neutralized(line))\u{1b}[K".utf8))
    }

    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
