import RcomCLI

/// Why `rcom max` cannot answer. Each case carries what a message needs to point at the
/// problem; the command prints `message` and exits 2.
public enum WindowInputError: Error, Equatable, Sendable {
    case windowNotPositive(k: Int)
    case windowTooLarge(k: Int, max: Int)
    case emptyInput
    case windowLargerThanInput(k: Int, count: Int)
    /// `index` is the 1-based token number, `line` the 1-based line it starts on; `text` is
    /// the token (cut to `NumberSyntax.tokenBytesMax` bytes).
    case badToken(index: Int, line: Int, text: [UInt8], problem: NumberProblem)

    public var message: String {
        switch self {
        case .windowNotPositive(let k):
            return "k must be at least 1, got \(k): a window holds one or more numbers"
        case .windowTooLarge(let k, let max):
            return "k = \(k) is larger than the limit of \(max) (the window is kept in memory)"
        case .emptyInput:
            return "the input holds no numbers; give NUMBERS, --file PATH or - for standard input"
        case .windowLargerThanInput(let k, let count):
            return "k = \(k) is larger than the \(count) number\(count == 1 ? "" : "s") in the input; use -k \(count) or less"
        case .badToken(let index, let line, let text, let problem):
            return "token \(index) on line \(line), '\(TerminalText.escaped(text))', \(problem.explanation)"
        }
    }
}
