import RcomCLI
import RcomStore

/// A line that held no usable address, kept as a sample for the report.
public struct MalformedLine: Sendable, Equatable, Codable {
    public var line: Int
    public var problem: String
    /// The line as read, cut to `textBytesMax` so a binary file cannot flood the terminal, with
    /// control and invalid bytes escaped (`TerminalText`): a crafted bounce file must not reach
    /// the terminal of the person reading the report, nor a JSON consumer's.
    public var text: String

    static let textBytesMax = 80

    init(line: Int, problem: AddressNormalizer.Problem, bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        self.init(line: line, problem: problem.rawValue, bytes: bytes)
    }

    /// `problem` is our own sentence (it may quote a provider's record only through `bytes`).
    init(line: Int, problem: String, bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        self.line = line
        self.problem = problem
        let cut = bytes.prefix(Self.textBytesMax)
        text = TerminalText.escaped(cut) + (bytes.count > Self.textBytesMax ? "…" : "")
    }
}
