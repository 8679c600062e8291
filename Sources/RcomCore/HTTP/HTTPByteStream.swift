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
        /// Still inside the start line's first word (a request's method, a response's `HTTP/`),
        /// whose bytes are checked as they arrive so that input which cannot be HTTP at all (a
        /// NUL, a TLS ClientHello) is refused at once instead of waiting for a line end.
        var inFirstWord = true
    }

    /// What the first word of a start line may be: a method (token characters) or `HTTP/`.
    enum StartLine {
        case request
        case response
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

    /// The same for an array, which becomes the buffer as it is when nothing is buffered (each
    /// read hands over a fresh array: copying it into an empty buffer cost a malloc and a copy).
    mutating func append(_ bytes: [UInt8]) {
        guard start == buffer.count else { return append(bytes[...]) }
        buffer = bytes
        start = 0
    }

    mutating func markEOF() { eof = true }

    /// Where a complete head lies in `buffer` (through its blank line), and its field lines.
    struct HeadPlace {
        let start: Int
        let end: Int
        let fieldCount: Int
    }

    /// Returns where the head is once a blank line has arrived (`withHead` reads it).
    /// Every line must end in CRLF: a bare LF is refused (RFC 9112 §2.2 allows it, but a
    /// CRLF-only front end would then see one header line where we see two). Leading empty
    /// lines (CRLF) are skipped (§2.2 robustness). Nil: more bytes needed, or EOF arrived with
    /// no bytes left (the caller reports that as a clean close).
    mutating func readHead(limits: HTTPLimits, startLine: StartLine, startLineStatus: Int) -> Result<HeadPlace?, HTTPParseError> {
        let end = buffer.count
        var i = start + scan.next
        var lineStart = start + scan.lineStart
        var lineCount = scan.lineCount
        var firstLineEnd = scan.firstLineEnd < 0 ? -1 : start + scan.firstLineEnd
        var inFirstWord = scan.inFirstWord
        defer {
            scan = HeadScan(next: i - start, lineStart: lineStart - start, lineCount: lineCount,
                            firstLineEnd: firstLineEnd < 0 ? -1 : firstLineEnd - start, inFirstWord: inFirstWord)
        }
        // The first index past the bound of the line or section being read: one comparison per
        // byte, so the split of the bytes never changes which fault is reported first.
        var limit = firstLineEnd < 0 ? lineStart + limits.startLineBytesMax : firstLineEnd + limits.headerBytesMax
        while i < end {
            let b = buffer[i]
            if b != 10 && b != 13 {
                if i >= limit {
                    return .failure(firstLineEnd < 0
                        ? HTTPParseError(startLineStatus, "start line longer than \(limits.startLineBytesMax) bytes", kind: .tooLarge)
                        : HTTPParseError(431, "header section larger than \(limits.headerBytesMax) bytes", kind: .tooLarge))
                }
                if inFirstWord && firstLineEnd < 0 {
                    switch Self.firstWordByte(b, at: i - lineStart, of: startLine) {
                    case .more: break
                    case .done: inFirstWord = false
                    case .refused:
                        return .failure(HTTPParseError(400, startLine == .request ? "not an HTTP request" : "not an HTTP response", kind: .malformed))
                    }
                }
                i += 1
                continue
            }
            if b == 13 {
                // A CR must begin a CRLF; refused as soon as the byte after it is seen (CR CR LF).
                guard i + 1 < end else { break }
                guard buffer[i + 1] == 10 else { return .failure(HTTPParseError(400, "bare CR in message head", kind: .malformed)) }
                if firstLineEnd >= 0 && i >= limit {
                    return .failure(HTTPParseError(431, "header section larger than \(limits.headerBytesMax) bytes", kind: .tooLarge))
                }
                // A CR in the first column may begin a leading empty line; otherwise it ends the first word early.
                if inFirstWord && firstLineEnd < 0 && i > lineStart {
                    return .failure(HTTPParseError(400, startLine == .request ? "not an HTTP request" : "not an HTTP response", kind: .malformed))
                }
                i += 1
                continue
            }
            guard i > lineStart, buffer[i - 1] == 13 else {
                return .failure(HTTPParseError(400, "line ending is a bare LF, not CRLF", kind: .malformed))
            }
            let lineLength = i - lineStart - 1
            if firstLineEnd < 0 && lineLength == 0 {
                // An empty line before the start line: skipped (RFC 9112 §2.2 robustness).
                start = i + 1
                lineStart = start
                limit = lineStart + limits.startLineBytesMax
                i += 1
                continue
            } else if firstLineEnd < 0 {
                firstLineEnd = i
                limit = firstLineEnd + limits.headerBytesMax
                if lineLength > limits.startLineBytesMax {
                    return .failure(HTTPParseError(startLineStatus, "start line longer than \(limits.startLineBytesMax) bytes", kind: .tooLarge))
                }
            } else if lineLength == 0 {
                if i - firstLineEnd > limits.headerBytesMax {
                    return .failure(HTTPParseError(431, "header section larger than \(limits.headerBytesMax) bytes", kind: .tooLarge))
                }
                let head = HeadPlace(start: start, end: i + 1, fieldCount: lineCount)
                start = i + 1
                // The next head starts scanning afresh (the defer stores offsets from here).
                i = start
                lineStart = start
                lineCount = 0
                firstLineEnd = -1
                inFirstWord = true
                return .success(head)
            } else {
                lineCount += 1
                if lineCount > limits.headerCountMax {
                    return .failure(HTTPParseError(431, "more than \(limits.headerCountMax) header fields", kind: .tooLarge))
                }
            }
            lineStart = i + 1
            i += 1
        }
        // The bounds were checked byte by byte in the loop; checking them again here, with a CR
        // pending at the end, reported 431 where the whole input gets 400 (scripts/fuzz-http).
        if eof && buffered > 0 {
            return .failure(HTTPParseError(400, "connection closed in the middle of a message head", kind: .truncated))
        }
        // Needs more bytes, or (EOF with nothing left) the peer closed between messages.
        return .success(nil)
    }

    /// `body` over the head at `place`, read in place (`HTTPHead`).
    func withHead<R>(_ place: HeadPlace, _ body: (HTTPHead) -> Result<R, HTTPParseError>) -> Result<R, HTTPParseError> {
        buffer.withUnsafeBufferPointer { all in
            HTTPHead.read(buffer, at: place.start, UnsafeBufferPointer(rebasing: all[place.start..<place.end]), fieldCount: place.fieldCount).flatMap(body)
        }
    }

    /// Reads a body with the given framing. Returns nil when more bytes are needed.
    mutating func readBody(_ framing: Framing, limits: HTTPLimits) -> Result<[UInt8]?, HTTPParseError> {
        switch framing {
        case .none:
            return .success([])
        case .length(let n):
            guard buffered >= n else {
                return eof ? .failure(truncated("with \(n - buffered) body bytes missing")) : .success(nil)
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
                // A leading zero followed by another hex digit carries nothing: consumed as it
                // arrives, so zeros count against no bound and cannot pile up in the buffer.
                while buffered >= 2, buffer[start] == 48, HTTPChunkLine.hexValue(buffer[start + 1]) != nil { start += 1 }
                guard let nl = indexOfNewline(from: start, within: limits.chunkLineBytesMax + 2) else {
                    if buffered > limits.chunkLineBytesMax + 1 { return .failure(HTTPParseError(400, "chunk size line too long", kind: .tooLarge)) }
                    return eof ? .failure(truncated("inside a chunked body")) : .success(nil)
                }
                let size: Int
                switch HTTPChunkLine.size(buffer[start..<nl + 1], bodyBytesMax: limits.bodyBytesMax) {
                case .failure(let e): return .failure(e)
                case .success(let s): size = s
                }
                start = nl + 1
                if body.count + size > limits.bodyBytesMax {
                    return .failure(HTTPParseError(413, "body larger than \(limits.bodyBytesMax) bytes", kind: .tooLarge))
                }
                chunkState = size == 0 ? .trailers(bytes: 0) : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, buffered)
                body.append(contentsOf: buffer[start..<start + take])
                start += take
                if take < remaining {
                    chunkState = .data(remaining: remaining - take)
                    return eof ? .failure(truncated("inside a chunk")) : .success(nil)
                }
                chunkState = .dataEnd
            case .dataEnd:
                if buffered >= 1 && buffer[start] != 13 || buffered >= 2 && buffer[start + 1] != 10 {
                    return .failure(HTTPParseError(400, "chunk data not followed by CRLF", kind: .malformed))
                }
                guard buffered >= 2 else { return eof ? .failure(truncated("inside a chunked body")) : .success(nil) }
                start += 2
                chunkState = .size
            case .trailers(let seen):
                let room = limits.headerBytesMax - seen
                guard let nl = indexOfNewline(from: start, within: room + 1) else {
                    if buffered > room { return .failure(HTTPParseError(431, "trailer section too large", kind: .tooLarge)) }
                    return eof ? .failure(truncated("inside trailers")) : .success(nil)
                }
                guard nl > start, buffer[nl - 1] == 13 else {
                    return .failure(HTTPParseError(400, "trailer line ending is a bare LF, not CRLF", kind: .malformed))
                }
                let line = buffer[start..<nl - 1]
                start = nl + 1
                if line.isEmpty {
                    chunkState = .size
                    let out = body
                    body = []
                    return .success(out)
                }
                // Trailers are dropped, but only after they are read by the field-line grammar:
                // skipping unchecked lines would swallow a pipelined request sent after `0\r\n`.
                if let problem = line.withUnsafeBufferPointer({ HTTPFieldLine.problem($0) }) {
                    return .failure(HTTPParseError(400, "malformed trailer: \(problem)", kind: .malformed))
                }
                chunkState = .trailers(bytes: seen + line.count + 2)
            }
        }
    }

    private func truncated(_ place: String) -> HTTPParseError {
        HTTPParseError(400, "connection closed \(place)", kind: .truncated)
    }

    /// The first LF at or after `from`, looking at most `within` bytes ahead (a line longer than
    /// its bound is refused without scanning the rest of the buffer).
    private func indexOfNewline(from: Int, within: Int) -> Int? {
        var i = from
        let end = min(buffer.count, from + within)
        while i < end {
            if buffer[i] == 10 { return i }
            i += 1
        }
        return nil
    }
}
