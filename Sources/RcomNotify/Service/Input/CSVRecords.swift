/// The records of a batch file from a `LineReader`: one per line (`CSVLine`), so a bad line is
/// reported by its number and costs only itself. A line over `LineReader.lineBytesMax` is cut
/// by the reader and refused here.
public final class CSVRecords {
    public struct Record {
        /// The fields; nil when the line is not a record (`problem` says why) or was cut.
        public let fields: [String]?
        public let problem: CSVLine.Problem?
        /// The line's text.
        public let text: String
        /// Its line number (1-based), for messages.
        public let line: Int
        /// Over `LineReader.lineBytesMax`: cut, not parsed.
        public let truncated: Bool
    }

    private let reader: LineReader
    public init(_ reader: LineReader) { self.reader = reader }

    public func next() -> Record? {
        guard let (text, truncated) = reader.next() else { return nil }
        guard !truncated else { return Record(fields: nil, problem: nil, text: text, line: reader.lineNumber, truncated: true) }
        switch CSVLine.fields(Substring(text)) {
        case .success(let f): return Record(fields: f, problem: nil, text: text, line: reader.lineNumber, truncated: false)
        case .failure(let p): return Record(fields: nil, problem: p, text: text, line: reader.lineNumber, truncated: false)
        }
    }

    /// Whether a line is a row to send: not blank, and not the optional header on line 1. The
    /// progress bar's total counts exactly these, so it reaches 100 %.
    public static func isRow(_ text: String, line: Int) -> Bool {
        !text.allSatisfy(\.isWhitespace) && !(line == 1 && text.lowercased().hasPrefix("channel,"))
    }

    /// Rows in the file at `path` (a first pass, line by line; nothing kept).
    public static func countRows(_ path: String) -> Int {
        guard let reader = LineReader(path: path) else { return 0 }
        var n = 0
        while let (text, _) = reader.next() {
            if isRow(text, line: reader.lineNumber) { n += 1 }
        }
        return n
    }
}
