/// The head's byte-level checks: the first word of a start line, and the head cut into its parts.
extension HTTPByteStream {
    enum FirstWordVerdict { case more, done, refused }

    static let httpSlash: [UInt8] = Array("HTTP/".utf8)

    /// A request's method is one or more token characters ended by SP; a response begins `HTTP/`.
    static func firstWordByte(_ b: UInt8, at offset: Int, of startLine: StartLine) -> FirstWordVerdict {
        switch startLine {
        case .request:
            if b == 32 { return offset == 0 ? .refused : .done }
            return ASCII.isTokenChar(b) ? .more : .refused
        case .response:
            guard b == httpSlash[offset] else { return .refused }
            return offset == httpSlash.count - 1 ? .done : .more
        }
    }
}

/// A complete message head, read in place: valid only inside the call it is handed to (its
/// bytes are the stream's buffer). Cut by offsets, with no String and no array of lines: the
/// head's one copy is the headers' bytes (`HTTPHeadParser.headers`).
struct HTTPHead {
    /// The start line without its CRLF.
    let startLine: UnsafeBufferPointer<UInt8>
    /// The field lines, each with its CRLF (empty when there are none).
    let fieldSection: UnsafeBufferPointer<UInt8>
    /// The stream's buffer, for headers to keep without a copy, and where `fieldSection` starts in it.
    let buffer: [UInt8]
    let fieldOffset: Int
    /// How many field lines there are (`readHead` counted them).
    let fieldCount: Int

    /// `bytes` runs from the start line through the blank line's LF; it is `buffer` from `offset` on.
    static func read(_ buffer: [UInt8], at offset: Int, _ bytes: UnsafeBufferPointer<UInt8>, fieldCount: Int) -> Result<HTTPHead, HTTPParseError> {
        // Header bytes must be visible ASCII, space/tab or obs-text; NUL and bare CR are refused.
        for b in bytes where b == 0 || (b < 32 && b != 9 && b != 10 && b != 13) || b == 127 {
            return .failure(HTTPParseError(400, "control character in message head"))
        }
        // Every line ends in CRLF and no CR stands elsewhere (`readHead` refused both already:
        // checked again here because the field lines are cut by these offsets).
        var firstLF = -1
        for i in 0..<bytes.count {
            if bytes[i] == 13, i + 1 == bytes.count || bytes[i + 1] != 10 { return .failure(HTTPParseError(400, "bare CR in message head")) }
            if bytes[i] == 10 {
                guard i > 0, bytes[i - 1] == 13 else { return .failure(HTTPParseError(400, "bare LF in message head")) }
                if firstLF < 0 { firstLF = i }
            }
        }
        guard firstLF > 0, bytes.count >= 4, bytes[bytes.count - 3] == 10 else {
            return .failure(HTTPParseError(400, "message head could not be read"))
        }
        let section = (firstLF + 1)..<max(firstLF + 1, bytes.count - 2)
        return .success(HTTPHead(startLine: UnsafeBufferPointer(rebasing: bytes[..<(firstLF - 1)]),
                                 fieldSection: UnsafeBufferPointer(rebasing: bytes[section]),
                                 buffer: buffer, fieldOffset: offset + section.lowerBound,
                                 fieldCount: fieldCount))
    }
}
