/// One CSV record (RFC 4180 quoting: `"a ""quoted"", text"`). Nil when a quote is left open,
/// which `CSVRecords` reads as "the record continues on the next line".
/// Scalars, not Characters: a combining mark after a comma or quote would join it into one
/// Character, and the delimiter would be lost.
public enum CSVLine {
    public static func fields(_ line: Substring) -> [String]? {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var chars = line.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = chars.next()
                    if next == "\"" { current.append("\"") } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    current.unicodeScalars.append(c)
                }
            } else if c == "," {
                fields.append(current)
                current = ""
                wasQuoted = false
            } else if c == "\"" && current.isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if c == "\r" {
                continue
            } else {
                current.unicodeScalars.append(c)
            }
        }
        if quoted { return nil }
        fields.append(current)
        return fields
    }
}
