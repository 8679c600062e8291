/// One step of "head, then body" decoding, shared by the request and response decoders.
enum HTTPMessageStep<Head> {
    case complete(Head, body: [UInt8])
    /// The head is parsed and its body has not fully arrived.
    case bodyPending(Head)
    case needData
    /// The peer closed cleanly between messages.
    case closed
    case error(HTTPParseError)
}

extension HTTPByteStream {
    /// `pending` carries a parsed head (and its framing) across calls until its body is complete.
    mutating func step<Head>(pending: inout (head: Head, framing: Framing)?, limits: HTTPLimits, startLine: StartLine, startLineStatus: Int,
                             parseHead: (HTTPHead) -> Result<(head: Head, framing: Framing), HTTPParseError>) -> HTTPMessageStep<Head> {
        if pending == nil {
            if eof && buffered == 0 { return .closed }
            switch readHead(limits: limits, startLine: startLine, startLineStatus: startLineStatus) {
            // Only blank lines were left before a clean close: that is still "between messages".
            case .failure(let e): return eof && buffered == 0 ? .closed : .error(e)
            case .success(nil): return eof && buffered == 0 ? .closed : .needData
            case .success(let place?):
                switch withHead(place, parseHead) {
                case .failure(let e): return .error(e)
                case .success(let p): pending = p
                }
            }
        }
        guard let p = pending else { return .needData }
        switch readBody(p.framing, limits: limits) {
        case .failure(let e): return .error(e)
        case .success(nil): return .bodyPending(p.head)
        case .success(let body?):
            pending = nil
            return .complete(p.head, body: body)
        }
    }
}
