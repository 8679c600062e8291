
/// One outbound HTTP/1.1 connection as plain state: requests go out in order (pipelined when
/// the owner sends several), responses are matched to them first-in first-out, as HTTP/1.1
/// requires. The owner turns what this returns into effects.
public struct HTTPClientConnection<Tag: Sendable>: Sendable {
    public enum Phase: Equatable, Sendable { case connecting, open, closed }

    public let id: ConnectionID
    public let url: HTTPURL
    public private(set) var phase = Phase.connecting
    private var decoder: HTTPResponseDecoder
    /// Requests written (or to be written once connected) and not yet answered, oldest first.
    public private(set) var inFlight = FIFO<Tag>()
    private var unsent: [[UInt8]] = []
    /// The server said `Connection: close` (or HTTP/1.0): no more requests on this one.
    public private(set) var closing = false
    /// Some byte of the oldest unanswered request's response has come. When the connection
    /// breaks without it, the receiver never began to answer (a kept-alive connection closed
    /// under a write): what a careful sender may send again on a new connection.
    public private(set) var responseStarted = false

    public init(id: ConnectionID, url: HTTPURL, limits: HTTPLimits = .standard) {
        self.id = id
        self.url = url
        self.decoder = HTTPResponseDecoder(limits: limits)
    }

    public var connectEffect: ReactorEffect { .connect(id, host: url.host, port: url.port) }
    public var canSend: Bool { phase != .closed && !closing }

    /// Queues a request; returns the write effect if the connection is open.
    public mutating func send(_ request: HTTPRequest, tag: Tag) -> [ReactorEffect] {
        precondition(canSend, "send on a closing connection \(id)")
        decoder.requestSent(isHead: request.method == "HEAD")
        inFlight.append(tag)
        let bytes = HTTPSerializer.bytes(request)
        if phase == .open { return [.write(id, bytes)] }
        unsent.append(bytes)
        return []
    }

    /// Connection established: flush what was queued meanwhile.
    public mutating func connected() -> [ReactorEffect] {
        phase = .open
        defer { unsent.removeAll() }
        return unsent.map { .write(id, $0) }
    }

    public enum Outcome: Sendable {
        case response(Tag, HTTPResponse)
        /// The connection broke; these requests got no answer (oldest first).
        case failed([Tag], reason: String)
    }

    /// Feed received bytes (or nil for EOF); returns answered requests in order.
    public mutating func receive(_ bytes: [UInt8]?) -> [Outcome] {
        if let bytes {
            decoder.receive(bytes)
            if !bytes.isEmpty { responseStarted = true }
        } else {
            decoder.receiveEOF()
        }
        var out: [Outcome] = []
        while true {
            switch decoder.next() {
            case .message(let r):
                guard let tag = inFlight.popFirst() else {
                    return out + fail(reason: "unsolicited response from \(url.hostHeader)")
                }
                out.append(.response(tag, r))
                responseStarted = decoder.bufferedBytes > 0  // bytes past it begin the next one
                if !r.keepAlive { closing = true }
            case .needData, .expectContinue:
                return out
            case .closed:
                return out + fail(reason: "\(url.hostHeader) closed the connection")
            case .error(let e):
                return out + fail(reason: "bad response from \(url.hostHeader): \(e.message)")
            }
        }
    }

    /// The connection is gone (closed event or connect failure): everything in flight failed.
    public mutating func fail(reason: String) -> [Outcome] {
        phase = .closed
        closing = true
        unsent.removeAll()
        let tags = inFlight.drain()
        return tags.isEmpty ? [] : [.failed(tags, reason: reason)]
    }
}
