/// Byte-level checks of RFC 9112's line grammars that are not the head's start line: a field
/// line (headers and trailers alike) and a chunk-size line with its extensions.
enum HTTPFieldLine {
    /// Why `line` (without its CRLF) is not `field-name ":" OWS field-value OWS`, or nil.
    /// obs-fold is refused (RFC 9112 §5.2: a server may reject it; strict parsers do).
    static func problem(_ line: UnsafeBufferPointer<UInt8>, checkingValue: Bool = true) -> String? {
        guard let first = line.first else { return "empty field line" }
        if first == 32 || first == 9 { return "obsolete line folding is not accepted" }
        var colon = -1
        for (i, b) in line.enumerated() where b == UInt8(ascii: ":") {
            colon = i
            break
        }
        guard colon >= 0 else { return "field line without a colon" }
        if colon == 0 { return "empty field name" }
        // No whitespace may stand between the name and the colon (§5.1): a space is not a tchar.
        for i in 0..<colon where !ASCII.isTokenChar(line[i]) { return "invalid field name" }
        if checkingValue {
            for i in (colon + 1)..<line.count where !isFieldValueByte(line[i]) { return "control character in a field value" }
        }
        return nil
    }

    /// field-vchar, SP, HTAB and obs-text (RFC 9110 §5.5); every other CTL and DEL is refused.
    static func isFieldValueByte(_ b: UInt8) -> Bool { b >= 32 ? b != 127 : b == 9 }
}

/// `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1, §7.1.1), parsed whole by its grammar:
///
///     chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
///     chunk-ext-val = token / quoted-string
///
/// Extensions are read and ignored. Leading zeros of the size are not counted against any bound.
enum HTTPChunkLine {
    /// `line` runs from the first byte of the size to the LF inclusive.
    static func size(_ line: ArraySlice<UInt8>, bodyBytesMax: Int) -> Result<Int, HTTPParseError> {
        func malformed(_ why: String) -> Result<Int, HTTPParseError> {
            .failure(HTTPParseError(400, "malformed chunk size line: \(why)", kind: .malformed))
        }
        let end = line.endIndex - 1
        guard end > line.startIndex, line[end] == 10, line[end - 1] == 13 else { return malformed("not ended by CRLF") }
        let last = end - 1  // the CR
        var i = line.startIndex
        var size = 0
        var digits = 0
        while i < last, let v = hexValue(line[i]) {
            // A value past the body bound is refused before it can overflow Int.
            if size > bodyBytesMax { return .failure(HTTPParseError(413, "chunk size too large", kind: .tooLarge)) }
            size = size * 16 + v
            digits += 1
            i += 1
        }
        guard digits > 0 else { return malformed("no hex digits") }
        if size > bodyBytesMax { return .failure(HTTPParseError(413, "chunk size too large", kind: .tooLarge)) }
        while i < last {
            i = skipBlanks(line, from: i, to: last)
            guard i < last, line[i] == UInt8(ascii: ";") else { return malformed("expected ';' before an extension") }
            i = skipBlanks(line, from: i + 1, to: last)
            let nameEnd = tokenEnd(line, from: i, to: last)
            guard nameEnd > i else { return malformed("empty extension name") }
            i = nameEnd
            let afterBlanks = skipBlanks(line, from: i, to: last)
            guard afterBlanks < last, line[afterBlanks] == UInt8(ascii: "=") else {
                // No value: only another extension may follow (blanks alone before CRLF are not BWS).
                if afterBlanks < last && line[afterBlanks] == UInt8(ascii: ";") { i = afterBlanks; continue }
                if afterBlanks == i { continue }
                return malformed("blanks not followed by ';' or '='")
            }
            i = skipBlanks(line, from: afterBlanks + 1, to: last)
            guard i < last else { return malformed("empty extension value") }
            if line[i] == UInt8(ascii: "\"") {
                guard let after = quotedStringEnd(line, from: i, to: last) else { return malformed("bad quoted string") }
                i = after
            } else {
                let valueEnd = tokenEnd(line, from: i, to: last)
                guard valueEnd > i else { return malformed("bad extension value") }
                i = valueEnd
            }
        }
        return .success(size)
    }

    private static func skipBlanks(_ line: ArraySlice<UInt8>, from: Int, to end: Int) -> Int {
        var i = from
        while i < end, line[i] == 32 || line[i] == 9 { i += 1 }
        return i
    }

    private static func tokenEnd(_ line: ArraySlice<UInt8>, from: Int, to end: Int) -> Int {
        var i = from
        while i < end, ASCII.isTokenChar(line[i]) { i += 1 }
        return i
    }

    /// `line[from]` is the opening DQUOTE; returns the index after the closing one.
    private static func quotedStringEnd(_ line: ArraySlice<UInt8>, from: Int, to end: Int) -> Int? {
        var i = from + 1
        while i < end {
            let b = line[i]
            if b == UInt8(ascii: "\"") { return i + 1 }
            if b == UInt8(ascii: "\\") {
                guard i + 1 < end, HTTPFieldLine.isFieldValueByte(line[i + 1]) else { return nil }
                i += 2
                continue
            }
            // qdtext: HTAB, SP, VCHAR but DQUOTE and backslash, obs-text.
            guard HTTPFieldLine.isFieldValueByte(b) else { return nil }
            i += 1
        }
        return nil
    }

    static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: return Int(c - 48)
        case 65...70: return Int(c - 55)
        case 97...102: return Int(c - 87)
        default: return nil
        }
    }
}

/// `uri-host [ ":" port ]` as the Host header and CONNECT's authority-form carry it (RFC 9112
/// §3.2, §3.2.3; RFC 3986 §3.2.2): a reg-name, IPv4 or bracketed IP literal, no userinfo.
enum HTTPAuthority {
    static func isValid(_ text: Substring, portRequired: Bool) -> Bool {
        var text = text
        return text.withUTF8 { isValid($0, portRequired: portRequired) }
    }

    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>, portRequired: Bool) -> Bool {
        var hostEnd = bytes.count
        var portStart: Int?
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1,
                  bytes[1..<close].allSatisfy({ isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
            hostEnd = close + 1
            if hostEnd < bytes.count {
                guard bytes[hostEnd] == UInt8(ascii: ":") else { return false }
                portStart = hostEnd + 1
            }
        } else {
            if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
                hostEnd = colon
                portStart = colon + 1
            }
            guard hostEnd > 0, bytes[..<hostEnd].allSatisfy(isRegNameByte) else { return false }
        }
        guard let p = portStart else { return !portRequired }
        // port = *DIGIT (RFC 3986 §3.2.3): empty after ':' is allowed, except where a port is required.
        let port = bytes[p...]
        return (!port.isEmpty || !portRequired) && port.count <= 5 && port.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// unreserved / pct-encoded / sub-delims; ':' and '@' are not (no userinfo, one port).
    private static func isRegNameByte(_ b: UInt8) -> Bool {
        switch b {
        case 48...57, 65...90, 97...122: return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default: return false
        }
    }

    private static func isHex(_ b: UInt8) -> Bool { HTTPChunkLine.hexValue(b) != nil }
}
