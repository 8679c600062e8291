import Foundation

/// Output helpers: errors go to stderr prefixed with "rcom: ", progress only on a terminal.
public enum Terminal {
    public static func error(_ message: String) {
        FileHandle.standardError.write(Data("rcom: \(message)\n".utf8))
    }

    public static func stderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
