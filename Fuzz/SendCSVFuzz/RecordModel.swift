/// What the batch reader must yield, stated from the documentation of LineReader and CSVRecords
/// rather than from their code: lines end at LF, one CR before the LF is not content; a line
/// over the bound is cut to it and flagged; a record whose quote is still open takes the next
/// line, joined by "\n", until it closes, the file ends (unclosed: no fields) or the joined text
/// passes the bound (flagged). Fields are RFC 4180 over the decoded UTF-8 bytes, see `modelFields`.
struct ModelRecord {
    var fields: [[UInt8]]?
    var text: [UInt8]
    var line: Int
    var truncated: Bool
}

/// Each line as the reader must return it: decoded as UTF-8 the way any `String(decoding:)` is,
/// after the cut, and whether it was cut.
func modelLines(_ file: [UInt8], lineBytesMax: Int) -> [(text: [UInt8], cut: Bool)] {
    var out: [(text: [UInt8], cut: Bool)] = []
    var start = 0
    while start < file.count {
        let newline = file[start...].firstIndex(of: 0x0a)
        var content = file[start..<(newline ?? file.count)]
        if newline != nil, content.last == 0x0d { content = content.dropLast() }
        let cut = content.count > lineBytesMax
        out.append((Array(String(decoding: content.prefix(lineBytesMax), as: UTF8.self).utf8), cut))
        start = (newline ?? file.count) + 1
    }
    return out
}

func modelRecords(_ file: [UInt8], lineBytesMax: Int) -> [ModelRecord] {
    let lines = modelLines(file, lineBytesMax: lineBytesMax)
    var out: [ModelRecord] = []
    var i = 0
    while i < lines.count {
        let first = i
        var text = lines[i].text
        var record: ModelRecord? = lines[i].cut ? ModelRecord(fields: nil, text: text, line: first + 1, truncated: true) : nil
        i += 1
        while record == nil {
            if let fields = modelFields(text) {
                record = ModelRecord(fields: fields, text: text, line: first + 1, truncated: false)
            } else if i == lines.count {
                record = ModelRecord(fields: nil, text: text, line: first + 1, truncated: false)
            } else {
                text += [0x0a] + lines[i].text
                if lines[i].cut || text.count > lineBytesMax {
                    record = ModelRecord(fields: nil, text: text, line: first + 1, truncated: true)
                }
                i += 1
            }
        }
        out.append(record!)
    }
    return out
}

/// RFC 4180 fields, nil when a quote never closes. Tolerated beyond the RFC: CR outside quotes
/// is dropped (so a stray one cannot split or open anything), a quote opens only as a field's
/// first byte after such CRs, and bytes after a closing quote join the field with quotes literal.
/// Works on bytes: every delimiter is ASCII, which UTF-8 never uses inside a character.
func modelFields(_ record: [UInt8]) -> [[UInt8]]? {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr: UInt8 = 0x0d
    var fields: [[UInt8]] = []
    var rest = record[...]
    while true {
        let body = rest.drop { $0 == cr }
        var field: [UInt8] = []
        if body.first == quote {
            var inside = body.dropFirst()
            var closed = false
            while let b = inside.popFirst() {
                if b != quote { field.append(b); continue }
                if inside.first == quote { field.append(quote); inside = inside.dropFirst(); continue }
                closed = true
                break
            }
            guard closed else { return nil }
            rest = inside
        }
        let plain = rest.prefix { $0 != comma }
        field += plain.filter { $0 != cr }
        fields.append(field)
        rest = rest[plain.endIndex...]
        guard rest.first == comma else { return fields }
        rest = rest.dropFirst()
    }
}

/// RFC 4180 as a careful writer produces it: a field holding a comma, quote, CR or LF is
/// quoted, its quotes doubled.
func encodeRecord(_ fields: [[UInt8]]) -> [UInt8] {
    let quote = UInt8(ascii: "\"")
    var out: [UInt8] = []
    for (k, f) in fields.enumerated() {
        if k > 0 { out.append(UInt8(ascii: ",")) }
        guard f.contains(where: { $0 == quote || $0 == 0x2c || $0 == 0x0d || $0 == 0x0a }) else { out += f; continue }
        out.append(quote)
        for b in f {
            if b == quote { out.append(quote) }
            out.append(b)
        }
        out.append(quote)
    }
    return out
}
