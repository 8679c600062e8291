/// One CSV record on one line, read strictly as RFC 4180 reads a record (`"a ""quoted"", text"`),
/// with one restriction for batch files: a record ends at the end of its line, so a quoted field
/// holds commas and doubled quotes but no line break. A quote left open cannot then swallow the
/// rows after it: the line is refused, with where the quote opened, and the next line is the
/// next row.
/// Scalars, not Characters: a combining mark after a comma or quote would join it into one
/// Character, and the delimiter would be lost.
public enum CSVLine {
    /// Why a line is not a record, with the 1-based column (in Unicode scalars) where it showed.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public let column: Int
        public let reason: String
        public var description: String { "column \(column): \(reason)" }
    }

    public static func fields(_ line: Substring) -> Result<[String], Problem> {
        var fields: [String] = []
        var current = ""
        var quotedAt: Int? = nil  // column of the opening quote while inside a quoted field
        var closed = false        // a quoted field has closed: only a comma or the end may follow
        var column = 0
        var chars = line.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            column += 1
            if quotedAt != nil {
                guard c == "\"" else {
                    current.unicodeScalars.append(c)
                    continue
                }
                let next = chars.next()
                if next == "\"" {
                    current.append("\"")
                    column += 1
                } else {
                    quotedAt = nil
                    closed = true
                    pending = next
                }
            } else if c == "," {
                fields.append(current)
                current = ""
                closed = false
            } else if closed {
                return .failure(Problem(column: column, reason: "text after a closing quote (a quote inside a quoted field is written \"\")"))
            } else if c == "\"" {
                guard current.isEmpty else {
                    return .failure(Problem(column: column, reason: "a quote inside an unquoted field (quote the whole field and double the quote: \"say \"\"hi\"\"\")"))
                }
                quotedAt = column
            } else {
                current.unicodeScalars.append(c)
            }
        }
        if let open = quotedAt {
            return .failure(Problem(column: open, reason: "the quote opened here is not closed on this line (in a batch file a quoted field cannot hold a line break)"))
        }
        fields.append(current)
        return .success(fields)
    }
}
