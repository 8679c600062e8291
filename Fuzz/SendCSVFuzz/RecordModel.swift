/// What the batch reader must yield, stated from the documentation of LineReader and CSVRecords
/// rather than from their code: lines end at LF, one CR before the LF is not content; a line
/// over the bound is cut to it and flagged (no fields); every other line is one record, its
/// fields strict RFC 4180 within the line (a quoted field cannot take the next line), nil when
/// the line is not a record. See `modelFields`.
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
    modelLines(file, lineBytesMax: lineBytesMax).enumerated().map { i, l in
        ModelRecord(fields: l.cut ? nil : modelFields(l.text), text: l.text, line: i + 1, truncated: l.cut)
    }
}

/// Strict RFC 4180 fields of one line, nil when it is not a record: a quote opens a field only
/// as its first byte; inside, a doubled quote is a quote and anything else (CR included) is
/// content; after the closing quote comes a comma or the end; an unquoted field holds no quote;
/// a quote still open at the end of the line is an error.
/// Works on bytes: every delimiter is ASCII, which UTF-8 never uses inside a character.
func modelFields(_ record: [UInt8]) -> [[UInt8]]? {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
    var fields: [[UInt8]] = []
    var rest = record[...]
    while true {
        var field: [UInt8] = []
        if rest.first == quote {
            var inside = rest.dropFirst()
            var closed = false
            while let b = inside.popFirst() {
                if b != quote { field.append(b); continue }
                if inside.first == quote { field.append(quote); inside = inside.dropFirst(); continue }
                closed = true
                break
            }
            guard closed else { return nil }
            rest = inside
            guard rest.isEmpty || rest.first == comma else { return nil }
        } else {
            let plain = rest.prefix { $0 != comma }
            guard !plain.contains(quote) else { return nil }
            field = Array(plain)
            rest = rest[plain.endIndex...]
        }
        fields.append(field)
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
