import Foundation

/// The two encodings that keep a message 7-bit and every line short: RFC 2047 encoded-words for
/// header text, quoted-printable (RFC 2045 §6.7) for the body.
public enum MIMEEncoding {
    /// RFC 5322 §2.1.1: lines SHOULD stay within 78 characters.
    static let headerLineMax = 78
    /// RFC 2047 §2: an encoded-word is at most 75 characters.
    static let encodedWordMax = 75
    /// RFC 2045 §6.7 (5): encoded lines are at most 76 characters.
    static let quotedPrintableLineMax = 76

    // MARK: - Headers

    /// `Name: value` as header lines (CRLF between folded lines, none at the end). Printable
    /// ASCII that fits one line goes as it is; anything else (non-ASCII, control characters,
    /// "=?" that a reader would try to decode, a long line) as UTF-8 "B" encoded-words, one per
    /// line, each within 75 characters and the line within 78. Control characters (CR, LF) become
    /// spaces first: a value cannot start a header of its own.
    public static func header(_ name: String, _ value: String) -> String {
        let clean = String(String.UnicodeScalarView(value.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? " " : $0 }))
        let plain = "\(name): \(clean)"
        if clean.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }), !clean.contains("=?"),
           plain.utf8.count <= headerLineMax {
            return plain
        }
        let words = encodedWords(clean, firstRoom: headerLineMax - name.utf8.count - 2, room: headerLineMax - 1)
        return "\(name): " + words.joined(separator: "\r\n ")
    }

    /// A display name for `From:` (RFC 5322 `phrase`): a quoted-string when it is printable
    /// ASCII, encoded-words (RFC 2047 §5 (3)) otherwise.
    public static func phrase(_ name: String) -> String {
        if name.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }), !name.contains("=?") {
            return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return encodedWords(name, firstRoom: encodedWordMax, room: encodedWordMax).joined(separator: "\r\n ")
    }

    /// `=?UTF-8?B?...?=` words holding `text`, split between Unicode scalars (a word holds whole
    /// characters, RFC 2047 §5), the first at most `firstRoom` characters long, the others `room`.
    static func encodedWords(_ text: String, firstRoom: Int, room: Int) -> [String] {
        let overhead = "=?UTF-8?B??=".utf8.count
        func bytesFitting(_ width: Int) -> Int { max(3, (min(width, encodedWordMax) - overhead) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = bytesFitting(firstRoom)
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > limit, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
                limit = bytesFitting(room)
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    // MARK: - Body

    /// The lines of `text`, whatever ended them (CRLF, LF or a lone CR).
    static func lines(_ text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var out: [ArraySlice<UInt8>] = []
        var start = 0, i = 0
        while i < bytes.count {
            if bytes[i] == 13 || bytes[i] == 10 {
                out.append(bytes[start..<i])
                if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 { i += 1 }
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { out.append(bytes[start...]) }
        return out
    }

    /// Whether `text` can go as it is under `7bit`: ASCII, no control bytes but tab, lines
    /// within 998 octets (RFC 5322 §2.1.1).
    public static func isSevenBitSafe(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 128 && ($0 >= 32 || $0 == 9 || $0 == 10 || $0 == 13) && $0 != 127 }
            && lines(text).allSatisfy { $0.count <= 998 }
    }

    /// Quoted-printable, CRLF line breaks, every line within 76 characters (soft breaks `=`
    /// never split an `=XX`); trailing spaces and tabs are encoded so no transport can drop them.
    public static func quotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for line in lines(text) {
            var width = 0
            for (offset, b) in zip(line.indices, line) {
                let last = offset == line.index(before: line.endIndex)
                let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 32 || b == 9) && !last)
                let piece: [UInt8] = literal ? [b] : [UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 15)]]
                // Room for the piece and, unless it ends the line, a soft break after it.
                if width + piece.count > quotedPrintableLineMax - (last ? 0 : 1) {
                    out += [UInt8(ascii: "="), 13, 10]
                    width = 0
                }
                out += piece
                width += piece.count
            }
            out += [13, 10]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
