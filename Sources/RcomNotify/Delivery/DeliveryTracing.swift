import RcomCore

/// The delivery pipeline's spans, sans-IO: what the pipeline submits and what the delivery
/// stage reports come in with their monotonic times; spans come out (`take`). Ids come from
/// the tracer's injected entropy, and the wall clock is an input too (`anchor`: the Unix time
/// at one reactor instant, carried in by the pipeline's start event), so nothing here reads a
/// clock or an RNG.
///
/// One span per notification (`deliver <channel>`, from submit to its outcome) under `parent`
/// (the event's span in `rcom notify`, the run's in `rcom send`), and under it one client span
/// per attempt (`attempt <n> <channel>`), dated by the stage's own attempt record: so retries are
/// separate spans, and the backoff between them is the gap from one's end to the next's start.
///
/// Bound: one open span per notification the stage holds (`DeliveryPolicy.notificationsMax`);
/// finished spans wait in `finished` until the owner takes them after each event.
public struct DeliveryTracing {
    private var tracer: Tracer
    public let parent: TraceContext?
    private var anchorUnix_ns: UInt64 = 0
    private var anchorAt_ns: Instant_ns = 0
    private var open: [String: Span] = [:]
    private var finished: [SpanData] = []

    public init(tracer: Tracer, parent: TraceContext?) {
        self.tracer = tracer
        self.parent = parent
    }

    /// The wall clock (Unix ns) at reactor instant `at_ns`; later span times are derived from it.
    public mutating func anchor(unix_ns: UInt64, at_ns: Instant_ns) {
        anchorUnix_ns = unix_ns
        anchorAt_ns = at_ns
    }

    func unixNano(_ ns: Instant_ns) -> UInt64 {
        ns >= anchorAt_ns ? anchorUnix_ns + (ns - anchorAt_ns) : anchorUnix_ns - min(anchorUnix_ns, anchorAt_ns - ns)
    }

    public mutating func submitted(_ n: Notification, now_ns: Instant_ns) {
        open[n.id] = tracer.startSpan("deliver \(n.channel)", kind: .internal, parent: parent, start_unixNano: unixNano(now_ns),
                                      attributes: [SpanAttribute("rcom.notification.id", .string(n.id)),
                                                   SpanAttribute("rcom.channel", .string(n.channel))])
    }

    public mutating func report(_ report: DeliveryReport, now_ns: Instant_ns) {
        switch report {
        case .attempt(let a):
            guard let owner = open[a.notificationID] else { return }
            var span = tracer.startSpan("attempt \(a.attempt) \(a.channel)", kind: .client, parent: owner.context,
                                        start_unixNano: unixNano(a.started_ns))
            span.setAttribute("rcom.attempt", .int(Int64(a.attempt)))
            span.setAttribute("rcom.channel", .string(a.channel))
            span.setAttribute("rcom.result", .string(a.result.kind))
            if let host = a.peerHost {
                span.setAttribute("server.address", .string(host))
                span.setAttribute("server.port", .int(Int64(a.peerPort)))
            }
            if let status = a.providerStatus {
                span.setAttribute(a.channel == EmailChannel.name ? "rcom.smtp.reply_code" : "http.response.status_code", .int(Int64(status)))
            }
            span.setStatus(Self.status(a.result))
            if let data = span.end(at: unixNano(a.started_ns + a.duration_ns)) { finished.append(data) }
        case .finished(let o):
            guard var span = open.removeValue(forKey: o.notification.id) else { return }
            span.setAttribute("rcom.attempts", .int(Int64(o.attempts)))
            span.setAttribute("rcom.outcome", .string(o.delivered ? "delivered" : o.nextAttempt_ms != nil ? "pending" : "failed"))
            span.setStatus(o.delivered ? SpanStatus(.ok) : SpanStatus(.error, message: o.result.detail))
            if let data = span.end(at: unixNano(now_ns)) { finished.append(data) }
        }
    }

    static func status(_ result: DeliveryResult) -> SpanStatus {
        switch result {
        case .delivered: return SpanStatus(.ok)
        case .transient(let why, _), .permanent(let why), .undeliverable(let why): return SpanStatus(.error, message: why)
        }
    }

    /// Spans finished since the last call, for the exporter.
    public mutating func take() -> [SpanData] {
        defer { finished.removeAll() }
        return finished
    }
}
