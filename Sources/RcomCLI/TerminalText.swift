/// Makes bytes that came from outside (a file, an argument, a peer) safe to show on a terminal.
///
/// Why one function: a bounce file, a CSV line, a provider's answer or an argument can hold ESC
/// sequences (colours, cursor moves, an OSC that retitles the window or writes the clipboard),
/// BEL, backspaces or bidi overrides. Printed raw, they act on the user's terminal instead of
/// being read. Every place that echoes such input escapes it here, so they all agree.
///
/// The rule: printable ASCII and printable Unicode stay as they are; a backslash becomes `\x5C`
/// (so an escape in the output cannot be confused with one in the input); control bytes, DEL
/// and bytes that are not valid UTF-8 become `\xNN`; invisible or direction-changing characters
/// (Unicode categories Cc, Cf, Zl, Zp, Co, Cn: C1 controls, U+202E, U+2028, …) become `\u{XXXX}`.
public enum TerminalText {
    /// `bytes` escaped by the rule above; nothing is kept that acts on a terminal.
    public static func escaped<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        escape(bytes, keepingLineBreaks: false)
    }

    /// `text` escaped by the rule above (its UTF-8 bytes).
    public static func escaped(_ text: some StringProtocol) -> String {
        escape(text.utf8, keepingLineBreaks: false)
    }

    /// `text` escaped and in single quotes, as messages quote what the user gave: `'a\x1Bb'`.
    public static func quoted(_ text: some StringProtocol) -> String {
        "'" + escaped(text) + "'"
    }

    /// For a message rcom composed, which may quote input: line breaks stay line breaks and a
    /// backslash stays a backslash (so text already escaped is not escaped twice), every other
    /// control character is escaped. `Terminal.error` and `Terminal.stderr` pass all they print
    /// through this, so no message can carry a control sequence even where a quote was missed.
    public static func neutralized(_ text: some StringProtocol) -> String {
        escape(text.utf8, keepingLineBreaks: true)
    }

    private static func escape<Bytes: Collection>(_ bytes: Bytes, keepingLineBreaks: Bool) -> String
    where Bytes.Element == UInt8 {
        let b = Array(bytes)
        var out = ""
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if let (scalar, length) = scalar(in: b, at: i) {
                append(scalar, to: &out, keepingLineBreaks: keepingLineBreaks)
                i += length
            } else {
                out += hex(b[i])
                i += 1
            }
        }
        return out
    }

    /// The scalar whose well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values past
    /// U+10FFFF) starts at `i`, and its length; nil when the byte there starts none.
    private static func scalar(in b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0: length = 3; value = 0; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xED: length = 3; value = 0x0D; second = 0x80...0x9F
        case 0xF0: length = 4; value = 0; second = 0x90...0xBF
        case 0xF1...0xF3: length = 4; value = UInt32(lead & 0x07)
        case 0xF4: length = 4; value = 4; second = 0x80...0x8F
        default: return nil
        }
        guard i + length <= b.count, second.contains(b[i + 1]) else { return nil }
        for k in 1..<length {
            let byte = b[i + k]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }

    private static func append(_ scalar: Unicode.Scalar, to out: inout String, keepingLineBreaks: Bool) {
        let value = scalar.value
        if value < 0x80 {
            let byte = UInt8(value)
            if byte == UInt8(ascii: "\n") && keepingLineBreaks {
                out.unicodeScalars.append(scalar)
            } else if byte == UInt8(ascii: "\\") && !keepingLineBreaks {
                out += hex(byte)
            } else if byte >= 0x20 && byte < 0x7F {
                out.unicodeScalars.append(scalar)
            } else {
                out += hex(byte)
            }
            return
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
            out += "\\u{" + String(value, radix: 16, uppercase: true) + "}"
        default:
            out.unicodeScalars.append(scalar)
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "\\x" + (digits.count == 1 ? "0" + digits : digits)
    }
}
