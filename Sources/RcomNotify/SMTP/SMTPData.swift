/// The DATA section's transparency rule (RFC 5321 §4.5.2): a line that starts with "." gets
/// another "." in front, and the message ends with CRLF "." CRLF. Bare CR or LF become CRLF, so
/// a lone "\n.\n" in a message cannot end it early.
public enum SMTPData {
    public static func encode(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 8)
        var atLineStart = true
        var i = 0
        while i < message.count {
            let b = message[i]
            if b == 13 || b == 10 {
                // CRLF, lone CR and lone LF all end a line.
                if b == 13, i + 1 < message.count, message[i + 1] == 10 { i += 1 }
                out.append(13); out.append(10)
                atLineStart = true
            } else {
                if atLineStart && b == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
                out.append(b)
                atLineStart = false
            }
            i += 1
        }
        if !atLineStart { out.append(13); out.append(10) }
        out.append(contentsOf: Array(".\r\n".utf8))
        return out
    }

    /// The receiving side: one line of DATA (without its CRLF). Returns nil for the end marker,
    /// else the line with one leading "." removed.
    public static func unstuff(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        if line.count == 1 && line.first == UInt8(ascii: ".") { return nil }
        if line.first == UInt8(ascii: ".") { return line.dropFirst() }
        return line
    }
}
