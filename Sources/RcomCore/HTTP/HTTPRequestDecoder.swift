/// What a decoder has for its caller after `receive`.
public enum HTTPDecoderEvent<Message: Equatable & Sendable>: Equatable, Sendable {
    case message(Message)
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before its body.
    case expectContinue
    case needData
    /// The peer closed cleanly between messages.
    case closed
    /// Permanent: the decoder stays in this state; answer `error.status` and close.
    case error(HTTPParseError)
}

/// Sans-IO HTTP/1.1 request decoder in the style of h11: `receive` only appends bytes,
/// `next` returns one event. Complete messages only (bodies are bounded by `HTTPLimits`).
public struct HTTPRequestDecoder: Sendable {
    public let limits: HTTPLimits
    private var stream = HTTPByteStream()
    private var pending: (head: HTTPRequest, framing: HTTPByteStream.Framing)?
    /// `100 Continue` was already asked for on behalf of the pending message.
    private var continueSent = false
    private var failure: HTTPParseError?

    public init(limits: HTTPLimits = .standard) { self.limits = limits }

    public mutating func receive<C: Collection>(_ bytes: C) where C.Element == UInt8 { stream.append(bytes) }
    /// An array is taken over without a copy when nothing is buffered.
    public mutating func receive(_ bytes: [UInt8]) { stream.append(bytes) }
    public mutating func receiveEOF() { stream.markEOF() }
    public var bufferedBytes: Int { stream.buffered }
    /// A head has been read and its body has not fully arrived.
    public var isReadingBody: Bool { pending != nil }

    public mutating func next() -> HTTPDecoderEvent<HTTPRequest> {
        if let failure { return .error(failure) }
        let event = step()
        if case .error(let e) = event { failure = e }
        return event
    }

    private mutating func step() -> HTTPDecoderEvent<HTTPRequest> {
        // The head parser is static and captures only the limits: the method value `parseHead`
        // held a copy of self, so the stream's body was shared while `step` appended to it and
        // every read copied the whole body so far (O(n²); HTTPTrickledBodyTests).
        let limits = limits
        switch stream.step(pending: &pending, limits: limits, startLine: .request, startLineStatus: 414,
                           parseHead: { Self.parseHead($0, limits: limits) }) {
        case .complete(var request, let body):
            request.body = body
            continueSent = false
            return .message(request)
        case .bodyPending(let head):
            if !continueSent, head.headers.first("expect")?.lowercased() == "100-continue" {
                continueSent = true
                return .expectContinue
            }
            return .needData
        case .needData: return .needData
        case .closed: return .closed
        case .error(let e): return .error(e)
        }
    }

    private static func parseHead(_ head: HTTPHead, limits: HTTPLimits) -> Result<(head: HTTPRequest, framing: HTTPByteStream.Framing), HTTPParseError> {
        // method SP request-target SP version: exactly two spaces, method and target not empty.
        let line = head.startLine
        guard let parts = Self.threeParts(line), !parts.method.isEmpty, !parts.target.isEmpty else {
            return .failure(HTTPParseError(400, "malformed request line"))
        }
        guard line[parts.method].allSatisfy(ASCII.isTokenChar) else { return .failure(HTTPParseError(400, "malformed method")) }
        let method = String(decoding: UnsafeBufferPointer(rebasing: line[parts.method]), as: UTF8.self)
        let target = String(decoding: UnsafeBufferPointer(rebasing: line[parts.target]), as: UTF8.self)
        guard line[parts.target].allSatisfy({ $0 > 32 && $0 < 127 }), Self.isTargetForm(Substring(target).utf8, method: method) else {
            return .failure(HTTPParseError(400, "malformed request target"))
        }
        let version: HTTPVersion
        switch HTTPHeadParser.version(UnsafeBufferPointer(rebasing: line[parts.version])) {
        case .failure(let e): return .failure(e)
        case .success(let v): version = v
        }
        let headers: HTTPHeaders
        switch HTTPHeadParser.headers(head) {
        case .failure(let e): return .failure(e)
        case .success(let h): headers = h
        }
        let hosts = headers.countAndFirst("host")
        if hosts.count > 1 || (version == .http11 && hosts.count == 0) {
            return .failure(HTTPParseError(400, hosts.count == 0 ? "missing Host header" : "more than one Host header"))
        }
        // Host = uri-host [ ":" port ] (RFC 9112 §3.2); empty is allowed (no authority).
        if let host = hosts.first, !host.isEmpty, !HTTPAuthority.isValid(Substring(host), portRequired: false) {
            return .failure(HTTPParseError(400, "malformed Host header"))
        }
        var expect: String?
        headers.forEachValue("expect") { value in
            if !ASCII.withBytes("100-continue", { ASCII.equalIgnoringCase(value, $0) }) { expect = String(decoding: value, as: UTF8.self) }
            return expect == nil
        }
        if let expect {
            return .failure(HTTPParseError(417, "unsupported expectation '\(expect.prefix(40))'"))
        }
        return HTTPHeadParser.framing(headers, version: version, limits: limits, unframed: .none).map {
            (HTTPRequest(method: method, target: target, version: version, headers: headers), $0)
        }
    }

    /// The start line split at its spaces, when it has exactly two (what splitting at every
    /// space, keeping empty parts, and finding three parts means; without the parts' array).
    static func threeParts(_ line: UnsafeBufferPointer<UInt8>) -> (method: Range<Int>, target: Range<Int>, version: Range<Int>)? {
        guard let first = line.firstIndex(of: 32) else { return nil }
        guard let second = line[(first + 1)...].firstIndex(of: 32) else { return nil }
        guard !line[(second + 1)...].contains(32) else { return nil }
        return (0..<first, (first + 1)..<second, (second + 1)..<line.count)
    }

    /// RFC 9112 §3.2: origin-form (`/…`), absolute-form (`http://…`, `https://…`), `*` for
    /// OPTIONS and authority-form (`host:port`) for CONNECT; nothing else.
    static func isTargetForm(_ target: Substring.UTF8View.SubSequence, method: String) -> Bool {
        if target.first == UInt8(ascii: "/") { return method != "CONNECT" }
        if target.elementsEqual("*".utf8) { return method == "OPTIONS" }
        if method == "CONNECT" { return HTTPAuthority.isValid(Substring(target), portRequired: true) }
        return HTTPRequest.absoluteFormPathStart(target) != nil
    }
}
