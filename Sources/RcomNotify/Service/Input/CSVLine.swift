import RcomCore

/// One CSV record on one line, read strictly as RFC 4180 reads a record (`"a ""quoted"", text"`),
/// with one restriction for batch files: a record ends at the end of its line, so a quoted field
/// holds commas and doubled quotes but no line break. A quote left open cannot then swallow the
/// rows after it: the line is refused, with where the quote opened, and the next line is the
/// next row.
/// Bytes, not Characters: a combining mark after a comma or quote would join it into one
/// Character, and the delimiter would be lost; in UTF-8 a comma or quote byte is never part of
/// another scalar, so the fields split on bytes are whole text. Columns are counted in scalars.
public enum CSVLine {
    /// Why a line is not a record, with the 1-based column (in Unicode scalars) where it showed.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public let column: Int
        public let reason: String
        public var description: String { "column \(column): \(reason)" }
    }

    /// The fields, read by the core's `CSVField` under its strict policy; a failure's byte
    /// offset becomes a column in Unicode scalars.
    public static func fields(_ line: Substring) -> Result<[String], Problem> {
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { p in
            switch CSVField.fields(p, policy: .strict) {
            case .success(let fields):
                return .success(fields.map { String(decoding: $0, as: UTF8.self) })
            case .failure(let failure):
                // The 1-based scalar column of a byte offset: the scalars that start before it, plus one.
                func column(_ offset: Int) -> Int { p[..<offset].reduce(1) { $0 + ($1 & 0xc0 == 0x80 ? 0 : 1) } }
                switch failure {
                case .textAfterClosingQuote(let at):
                    return .failure(Problem(column: column(at), reason: "text after a closing quote (a quote inside a quoted field is written \"\")"))
                case .quoteInUnquotedField(let at):
                    return .failure(Problem(column: column(at), reason: "a quote inside an unquoted field (quote the whole field and double the quote: \"say \"\"hi\"\"\")"))
                case .unterminatedQuote(let opened):
                    return .failure(Problem(column: column(opened), reason: "the quote opened here is not closed on this line (in a batch file a quoted field cannot hold a line break)"))
                }
            }
        }
    }
}
