/// Sans-IO HTTP/1.1 response decoder. The caller tells it, per request sent, whether that
/// request was HEAD (whose response has no body even with a Content-Length).
/// Interim 1xx responses are skipped, as a client that did not ask for them must.
public struct HTTPResponseDecoder: Sendable {
    public let limits: HTTPLimits
    private var stream = HTTPByteStream()
    private var pending: (head: HTTPResponse, framing: HTTPByteStream.Framing)?
    private var headRequests: [Bool] = []
    private var failure: HTTPParseError?

    public init(limits: HTTPLimits = .standard) { self.limits = limits }

    public mutating func receive<C: Collection>(_ bytes: C) where C.Element == UInt8 { stream.append(bytes) }
    /// An array is taken over without a copy when nothing is buffered.
    public mutating func receive(_ bytes: [UInt8]) { stream.append(bytes) }
    public mutating func receiveEOF() { stream.markEOF() }
    public var bufferedBytes: Int { stream.buffered }

    /// Record that a request was sent on this connection (in order), so HEAD is framed right.
    public mutating func requestSent(isHead: Bool) { headRequests.append(isHead) }

    public mutating func next() -> HTTPDecoderEvent<HTTPResponse> {
        if let failure { return .error(failure) }
        while true {
            let event = step()
            if case .error(let e) = event { failure = e }
            if case .message(let r) = event, (100...199).contains(r.status) {
                // rcom never asks to switch protocols: a 101 means the peer is not speaking to us.
                if r.status == 101 {
                    let e = HTTPParseError(502, "unexpected 101 Switching Protocols", kind: .malformed)
                    failure = e
                    return .error(e)
                }
                continue
            }
            return event
        }
    }

    private mutating func step() -> HTTPDecoderEvent<HTTPResponse> {
        // Static, capturing values only: a closure over self shared the body being built (O(n²),
        // see HTTPRequestDecoder.step).
        let limits = limits, answersHead = headRequests.first ?? false
        switch stream.step(pending: &pending, limits: limits, startLine: .response, startLineStatus: 502,
                           parseHead: { Self.parseHead($0, limits: limits, answersHead: answersHead) }) {
        case .complete(var response, let body):
            response.body = body
            if !(100...199).contains(response.status), !headRequests.isEmpty { headRequests.removeFirst() }
            return .message(response)
        case .bodyPending, .needData: return .needData
        case .closed: return .closed
        // Whatever broke, for the caller the peer is broken: the status is the gateway's 502.
        case .error(let e): return .error(e.status == 502 ? e : HTTPParseError(502, e.message, kind: e.kind))
        }
    }

    /// `answersHead`: the oldest request not yet answered was HEAD.
    private static func parseHead(_ head: HTTPHead, limits: HTTPLimits, answersHead: Bool)
        -> Result<(head: HTTPResponse, framing: HTTPByteStream.Framing), HTTPParseError> {
        // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ] (RFC 9112 §4): both spaces
        // required; the reason may hold spaces. Found without building an array of the parts.
        let line = head.startLine
        guard let first = line.firstIndex(of: 32), let second = line[(first + 1)...].firstIndex(of: 32) else {
            return .failure(HTTPParseError(502, "malformed status line"))
        }
        let code = line[(first + 1)..<second]
        guard code.count == 3, code.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return .failure(HTTPParseError(502, "malformed status line"))
        }
        let status = code.reduce(0) { $0 * 10 + Int($1 - 48) }
        guard (100...599).contains(status) else { return .failure(HTTPParseError(502, "malformed status line")) }
        let version: HTTPVersion
        switch HTTPHeadParser.version(UnsafeBufferPointer(rebasing: line[..<first])) {
        case .failure(let e): return .failure(HTTPParseError(502, e.message, kind: e.kind))
        case .success(let v): version = v
        }
        let headers: HTTPHeaders
        switch HTTPHeadParser.headers(head) {
        case .failure(let e): return .failure(HTTPParseError(502, e.message, kind: e.kind))
        case .success(let h): headers = h
        }
        let reason = String(decoding: UnsafeBufferPointer(rebasing: line[(second + 1)...]), as: UTF8.self)
        let response = HTTPResponse(status: status, reason: reason, version: version, headers: headers)
        let bodiless = (100...199).contains(status) || status == 204 || status == 304 || answersHead
        if bodiless { return .success((response, .none)) }
        return HTTPHeadParser.framing(headers, version: version, limits: limits, unframed: .untilEOF)
            .map { (response, $0) }
            .mapError { HTTPParseError(502, $0.message, kind: $0.kind) }
    }
}
