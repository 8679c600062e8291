/// The head's byte-level checks: the first word of a start line, and the head cut into lines.
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

    /// `lineCount`: the header lines `readHead` counted (the array is made that large at once).
    func decodeLines(_ bytes: ArraySlice<UInt8>, lineCount: Int) -> Result<[Substring], HTTPParseError> {
        // Header bytes must be visible ASCII, space/tab or obs-text; NUL and bare CR are refused.
        for b in bytes where b == 0 || (b < 32 && b != 9 && b != 10 && b != 13) || b == 127 {
            return .failure(HTTPParseError(400, "control character in message head"))
        }
        // One String for the whole head, its lines Substrings of it: one allocation per head, not
        // one per line plus the split's array (measured: about 30 of the proxy's 150 mallocs per
        // job). Decoding the head whole repairs invalid UTF-8 exactly as line by line would: CR
        // and LF are ASCII, never part of a repaired sequence.
        // Split on bytes, not Characters: in Swift "\r\n" is one Character, unequal to "\n".
        // `bytes` ends just before the blank line's LF, so the last piece is that blank line.
        // The scan runs over the String's own bytes (its UTF-8 view's index steps cost 3 % of the
        // proxy's CPU); a native String's UTF-8 index moves by an offset in constant time.
        let head = String(decoding: bytes, as: UTF8.self)
        let utf8 = head.utf8
        var lines: [Substring] = []
        lines.reserveCapacity(lineCount + 2)
        let bareCR = utf8.withContiguousStorageIfAvailable { buf -> Bool in
            var lineStart = 0
            var lineIndex = utf8.startIndex
            for i in 0...buf.count where i == buf.count || buf[i] == 10 {
                var end = i
                if end > lineStart && buf[end - 1] == 13 { end -= 1 }
                for k in lineStart..<end where buf[k] == 13 { return true }
                let endIndex = utf8.index(lineIndex, offsetBy: end - lineStart)
                lines.append(Substring(utf8[lineIndex..<endIndex]))
                if i < buf.count { lineIndex = utf8.index(endIndex, offsetBy: i + 1 - end) }
                lineStart = i + 1
            }
            return false
        }
        // A String made by decoding is native, its bytes always contiguous: nil does not occur.
        guard let bareCR else { return .failure(HTTPParseError(400, "message head could not be read")) }
        if bareCR { return .failure(HTTPParseError(400, "bare CR in message head")) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return .success(lines)
    }
}
