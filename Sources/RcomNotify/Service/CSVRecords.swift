/// CSV records (RFC 4180) from a `LineReader`: a quoted field may hold line breaks, so a record
/// whose quote is still open at the end of a line continues on the next. Line breaks inside a
/// field come out as "\n" (a CRLF file's are normalised). A record is bounded by
/// `LineReader.lineBytesMax`: an unterminated quote cannot swallow the rest of a large file.
public final class CSVRecords {
    public struct Record {
        /// The fields, or nil when the record is not valid CSV (a quote never closed).
        public let fields: [String]?
        /// The record's text, its lines joined by "\n".
        public let text: String
        /// The line it starts on (1-based), for messages.
        public let line: Int
        /// Over `LineReader.lineBytesMax`: cut, not parsed.
        public let truncated: Bool
    }

    private let reader: LineReader
    public init(_ reader: LineReader) { self.reader = reader }

    public func next() -> Record? {
        guard let (first, truncated) = reader.next() else { return nil }
        let start = reader.lineNumber
        var text = first
        if truncated { return Record(fields: nil, text: text, line: start, truncated: true) }
        while true {
            if let fields = CSVLine.fields(Substring(text)) { return Record(fields: fields, text: text, line: start, truncated: false) }
            // The quote is open: the record goes on, unless it is at its bound or the file ends.
            guard let (more, cut) = reader.next() else { return Record(fields: nil, text: text, line: start, truncated: false) }
            text += "\n" + more
            if cut || text.utf8.count > LineReader.lineBytesMax { return Record(fields: nil, text: text, line: start, truncated: true) }
        }
    }
}
