/// One answered request, for an access log.
public struct AccessRecord: Equatable, Sendable {
    public let method: String
    /// The request's path with its query (the logger drops the query and shortens tokens).
    public let target: String
    /// The response's status; 0 when the connection ended before an answer (reset, timeout).
    public let status: Int
    /// From the event that completed the request to the handle that wrote its response.
    public let duration_ns: UInt64
    /// Response body bytes.
    public let bytes: Int
}

/// Wraps a server pipeline and reports one `AccessRecord` per request on its inbound
/// connections, without the pipeline knowing: it reads a copy of the bytes the pipeline
/// receives and of the responses it writes, decoded by the same codec, matched in order (an
/// HTTP/1.1 connection answers in request order).
///
/// Why a wrapper: every server gets `--access-log` from one place, and a server without it
/// pays nothing (it is not wrapped). With it, each request is decoded twice; that is the price
/// of a per-request log. What is seen is exactly what the pipeline received and wrote, and the
/// wrapper returns the pipeline's effects unchanged, so traces and replays are unaffected.
/// Outbound connections (upstream, callbacks the server makes) are not logged. A connection
/// whose bytes this decoder refuses is answered by the pipeline as it sees fit; the wrapper
/// logs that answer when it can match it, and stops following the connection otherwise.
public struct AccessLogged<Inner: EventPipeline>: EventPipeline {
    public private(set) var inner: Inner
    private let report: (AccessRecord) -> Void
    private var exchanges: [ConnectionID: Exchange] = [:]

    private struct Pending {
        let method: String
        let target: String
        let arrived_ns: Instant_ns
    }

    private struct Exchange {
        var requests: HTTPRequestDecoder
        var responses: HTTPResponseDecoder
        var pending = FIFO<Pending>()
    }

    private let limits: HTTPLimits
    private let listeners: Set<Int>?

    /// `limits` should be at least the inner pipeline's; responses are decoded with a 64 MiB
    /// body bound (a `/metrics` page or a proof block can be large). `listeners`: the listener
    /// indexes that speak HTTP (nil: all; the provider simulator's second one speaks SMTP).
    public init(_ inner: Inner, limits: HTTPLimits = .standard, listeners: Set<Int>? = nil, report: @escaping (AccessRecord) -> Void) {
        self.inner = inner
        self.limits = limits
        self.listeners = listeners
        self.report = report
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        observe(event, now_ns: now_ns)
        let effects = inner.handle(event, now_ns: now_ns)
        for effect in effects {
            if case .write(let id, let bytes) = effect, exchanges[id] != nil { responded(id, bytes, now_ns: now_ns) }
        }
        if case .closed(let id, _) = event, let gone = exchanges.removeValue(forKey: id) {
            var pending = gone.pending
            while let p = pending.popFirst() { emit(p, status: 0, bytes: 0, now_ns: now_ns) }
        }
        return effects
    }

    private mutating func observe(_ event: ReactorEvent, now_ns: Instant_ns) {
        switch event {
        case .accepted(let id, let listener) where listeners?.contains(listener) ?? true:
            exchanges[id] = Exchange(requests: HTTPRequestDecoder(limits: limits),
                                     responses: HTTPResponseDecoder(limits: HTTPLimits(bodyBytesMax: 64 << 20)))
        case .received(let id, let bytes) where exchanges[id] != nil:
            exchanges[id]!.requests.receive(bytes)
            decodeRequests(id, now_ns: now_ns)
        case .readClosed(let id) where exchanges[id] != nil:
            exchanges[id]!.requests.receiveEOF()
            decodeRequests(id, now_ns: now_ns)
        default:
            break
        }
    }

    private mutating func decodeRequests(_ id: ConnectionID, now_ns: Instant_ns) {
        while exchanges[id] != nil {
            switch exchanges[id]!.requests.next() {
            case .message(let r):
                exchanges[id]!.responses.requestSent(isHead: r.method == "HEAD")
                exchanges[id]!.pending.append(Pending(method: r.method, target: String(r.originTarget), arrived_ns: now_ns))
            case .error:
                // The pipeline answers a malformed request with an error status and closes;
                // that answer is logged against a request of unknown method and path.
                exchanges[id]!.responses.requestSent(isHead: false)
                exchanges[id]!.pending.append(Pending(method: "-", target: "-", arrived_ns: now_ns))
                return
            case .needData, .closed, .expectContinue:
                return
            }
        }
    }

    private mutating func responded(_ id: ConnectionID, _ bytes: [UInt8], now_ns: Instant_ns) {
        exchanges[id]!.responses.receive(bytes)
        while exchanges[id] != nil {
            switch exchanges[id]!.responses.next() {
            case .message(let response):
                guard let p = exchanges[id]!.pending.popFirst() else { exchanges[id] = nil; return }
                emit(p, status: response.status, bytes: response.body.count, now_ns: now_ns)
            case .error:
                // Not a response this codec reads: stop following the connection.
                exchanges[id] = nil
            case .needData, .closed, .expectContinue:
                return
            }
        }
    }

    private func emit(_ p: Pending, status: Int, bytes: Int, now_ns: Instant_ns) {
        report(AccessRecord(method: p.method, target: p.target, status: status,
                            duration_ns: now_ns >= p.arrived_ns ? now_ns - p.arrived_ns : 0, bytes: bytes))
    }
}
