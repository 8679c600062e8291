/// The byte-level half of the codec shared by requests and responses: buffering, finding the
/// end of a head, and body framing (Content-Length, chunked, until-EOF). Pure: no I/O.
struct HTTPByteStream {
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilEOF
    }

    private enum ChunkState {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers(bytes: Int)
    }

    private(set) var buffer: [UInt8] = []
    private var start = 0
    private(set) var eof = false
    private var chunkState = ChunkState.size
    private var body: [UInt8] = []
    /// How far the search for the end of the current head got, relative to `start`, so bytes
    /// trickling in one at a time are scanned once, not once per arrival (O(n), not O(n²)).
    private var scan = HeadScan()

    private struct HeadScan {
        var next = 0
        var lineStart = 0
        var lineCount = 0
        var firstLineEnd = -1
    }

    var buffered: Int { buffer.count - start }

    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        // Compact before growing so a long keep-alive connection does not keep old bytes.
        if start > 0 && (start >= 4096 || start == buffer.count) {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    mutating func markEOF() { eof = true }

    /// Returns the head's lines (without line endings) once a blank line has arrived.
    /// Leading empty lines are skipped (RFC 9112 §2.2 robustness). Nil: more bytes needed, or
    /// EOF arrived with no bytes left (the caller reports that as a clean close).
    mutating func readHead(limits: HTTPLimits, startLineStatus: Int) -> Result<[Substring]?, HTTPParseError> {
        let end = buffer.count
        var i = start + scan.next
        var lineStart = start + scan.lineStart
        var lineCount = scan.lineCount
        var firstLineEnd = scan.firstLineEnd < 0 ? -1 : start + scan.firstLineEnd
        defer {
            scan = HeadScan(next: i - start, lineStart: lineStart - start, lineCount: lineCount,
                            firstLineEnd: firstLineEnd < 0 ? -1 : firstLineEnd - start)
        }
        while i < end {
            if buffer[i] == 10 {
                let lineLength = i - lineStart - ((i > lineStart && buffer[i - 1] == 13) ? 1 : 0)
                if firstLineEnd < 0 && lineLength == 0 {
                    // An empty line before the start line: skipped (RFC 9112 §2.2 robustness).
                    start = i + 1
                    lineStart = start
                    i += 1
                    continue
                } else if firstLineEnd < 0 {
                    firstLineEnd = i
                    if lineLength > limits.startLineBytesMax {
                        return .failure(HTTPParseError(startLineStatus, "start line longer than \(limits.startLineBytesMax) bytes"))
                    }
                } else if lineLength == 0 {
                    if i - firstLineEnd > limits.headerBytesMax {
                        return .failure(HTTPParseError(431, "header section larger than \(limits.headerBytesMax) bytes"))
                    }
                    let lines = decodeLines(buffer[start..<i])
                    if case .success = lines {
                        start = i + 1
                        // The next head starts scanning afresh (the defer stores offsets from here).
                        i = start
                        lineStart = start
                        lineCount = 0
                        firstLineEnd = -1
                    }
                    return lines.map { Optional($0) }
                } else {
                    lineCount += 1
                    if lineCount > limits.headerCountMax {
                        return .failure(HTTPParseError(431, "more than \(limits.headerCountMax) header fields"))
                    }
                }
                lineStart = i + 1
            }
            i += 1
        }
        if firstLineEnd < 0 {
            // A trailing CR may be the first half of the line ending: not counted, as above.
            if end > start, end - start - (buffer[end - 1] == 13 ? 1 : 0) > limits.startLineBytesMax {
                return .failure(HTTPParseError(startLineStatus, "start line longer than \(limits.startLineBytesMax) bytes"))
            }
        } else if end - firstLineEnd > limits.headerBytesMax {
            return .failure(HTTPParseError(431, "header section larger than \(limits.headerBytesMax) bytes"))
        }
        if eof && buffered > 0 {
            return .failure(HTTPParseError(400, "connection closed in the middle of a message head"))
        }
        // Needs more bytes, or (EOF with nothing left) the peer closed between messages.
        return .success(nil)
    }

    private func decodeLines(_ bytes: ArraySlice<UInt8>) -> Result<[Substring], HTTPParseError> {
        // Header bytes must be visible ASCII, space/tab or obs-text; NUL and bare CR are refused.
        for b in bytes where b == 0 || (b < 32 && b != 9 && b != 10 && b != 13) || b == 127 {
            return .failure(HTTPParseError(400, "control character in message head"))
        }
        // Split on bytes, not Characters: in Swift "\r\n" is one Character, unequal to "\n".
        // `bytes` ends just before the blank line's LF, so the last piece is that blank line.
        var lines: [Substring] = []
        for raw in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            var line = raw
            if line.last == 13 { line = line.dropLast() }
            if line.contains(13) { return .failure(HTTPParseError(400, "bare CR in message head")) }
            lines.append(Substring(String(decoding: line, as: UTF8.self)))
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return .success(lines)
    }

    /// Reads a body with the given framing. Returns nil when more bytes are needed.
    mutating func readBody(_ framing: Framing, limits: HTTPLimits) -> Result<[UInt8]?, HTTPParseError> {
        switch framing {
        case .none:
            return .success([])
        case .length(let n):
            guard buffered >= n else {
                return eof ? .failure(HTTPParseError(400, "connection closed with \(n - buffered) body bytes missing")) : .success(nil)
            }
            let out = Array(buffer[start..<start + n])
            start += n
            return .success(out)
        case .untilEOF:
            if buffered > limits.bodyBytesMax {
                return .failure(HTTPParseError(413, "body larger than \(limits.bodyBytesMax) bytes"))
            }
            guard eof else { return .success(nil) }
            let out = Array(buffer[start...])
            start = buffer.count
            return .success(out)
        case .chunked:
            return readChunked(limits: limits)
        }
    }

    private mutating func readChunked(limits: HTTPLimits) -> Result<[UInt8]?, HTTPParseError> {
        while true {
            switch chunkState {
            case .size:
                guard let nl = indexOfNewline(from: start) else {
                    if buffered > limits.chunkLineBytesMax { return .failure(HTTPParseError(400, "chunk size line too long")) }
                    return eof ? .failure(HTTPParseError(400, "connection closed inside a chunked body")) : .success(nil)
                }
                if nl - start > limits.chunkLineBytesMax { return .failure(HTTPParseError(400, "chunk size line too long")) }
                var size = 0
                var digits = 0
                var j = start
                while j < nl, let v = Self.hexValue(buffer[j]) {
                    // Checked before multiplying: a 16th hex digit would overflow Int (a trap).
                    if digits == 15 { return .failure(HTTPParseError(413, "chunk size too large")) }
                    size = size * 16 + v
                    digits += 1
                    j += 1
                }
                guard digits > 0 else { return .failure(HTTPParseError(400, "malformed chunk size")) }
                // Only extensions (";...") or OWS may follow the size.
                if j < nl, buffer[j] != UInt8(ascii: ";"), buffer[j] != 13, buffer[j] != 32, buffer[j] != 9 {
                    return .failure(HTTPParseError(400, "malformed chunk size"))
                }
                start = nl + 1
                if body.count + size > limits.bodyBytesMax {
                    return .failure(HTTPParseError(413, "body larger than \(limits.bodyBytesMax) bytes"))
                }
                chunkState = size == 0 ? .trailers(bytes: 0) : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, buffered)
                body.append(contentsOf: buffer[start..<start + take])
                start += take
                if take < remaining {
                    chunkState = .data(remaining: remaining - take)
                    return eof ? .failure(HTTPParseError(400, "connection closed inside a chunk")) : .success(nil)
                }
                chunkState = .dataEnd
            case .dataEnd:
                guard buffered >= 1 else { return eof ? .failure(HTTPParseError(400, "connection closed inside a chunked body")) : .success(nil) }
                if buffer[start] == 10 { start += 1; chunkState = .size; continue }
                guard buffered >= 2 else { return eof ? .failure(HTTPParseError(400, "connection closed inside a chunked body")) : .success(nil) }
                guard buffer[start] == 13, buffer[start + 1] == 10 else {
                    return .failure(HTTPParseError(400, "chunk data not followed by CRLF"))
                }
                start += 2
                chunkState = .size
            case .trailers(let seen):
                guard let nl = indexOfNewline(from: start) else {
                    if seen + buffered > limits.headerBytesMax { return .failure(HTTPParseError(431, "trailer section too large")) }
                    return eof ? .failure(HTTPParseError(400, "connection closed inside trailers")) : .success(nil)
                }
                let lineLength = nl - start - ((nl > start && buffer[nl - 1] == 13) ? 1 : 0)
                if seen + nl - start > limits.headerBytesMax { return .failure(HTTPParseError(431, "trailer section too large")) }
                start = nl + 1
                if lineLength == 0 {
                    chunkState = .size
                    let out = body
                    body = []
                    return .success(out)
                }
                chunkState = .trailers(bytes: seen + lineLength + 2)
            }
        }
    }

    private func indexOfNewline(from: Int) -> Int? {
        var i = from
        while i < buffer.count {
            if buffer[i] == 10 { return i }
            i += 1
        }
        return nil
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: return Int(c - 48)
        case 65...70: return Int(c - 55)
        case 97...102: return Int(c - 87)
        default: return nil
        }
    }
}
