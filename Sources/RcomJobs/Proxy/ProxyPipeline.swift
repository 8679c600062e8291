import RcomCore

/// The async proxy: synchronous clients in, asynchronous (callback) job server out.
///
///     reactor events ─▶ parse ─▶ correlate ─▶ dispatch upstream ─▶ (job server)
///                                  ▲   │                │
///              callbacks ─▶ parse ─┘   └──▶ deliver ◀───┘ (upstream errors)
///
/// Each stage is a plain value with no I/O; this type only routes typed messages between them
/// and collects the effects for the reactor.
public struct ProxyPipeline: EventPipeline {
    public let config: ProxyConfig
    private var parse: ClientParseStage
    private var correlate: CorrelateStage
    private var upstream: UpstreamStage
    private var deliver = DeliverStage()
    private var draining = false

    public init(config: ProxyConfig, entropy: EntropySource) {
        self.config = config
        parse = ClientParseStage(limits: config.limits)
        correlate = CorrelateStage(config: config, entropy: entropy)
        upstream = UpstreamStage(config: config)
    }

    public var stats: ProxyStats { correlate.stats }
    public var waitingClients: Int { correlate.waitingCount }
    public var upstreamConnections: Int { upstream.connectionCount }
    /// Timers armed for waiting clients and silent upstream connections (0 when nothing leaked).
    public var armedTimers: Int { correlate.armedTimers + upstream.armedTimers }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, _):
            parse.accepted(id)
            deliver.opened(id)
            return []
        case .received(let id, let bytes) where parse.knows(id):
            return inbound(id, bytes, now_ns: now_ns)
        case .readClosed(let id) where parse.knows(id):
            return inbound(id, nil, now_ns: now_ns)
        case .closed(let id, _) where parse.knows(id):
            _ = parse.gone(id)
            deliver.gone(id)
            return route(correlate.connectionGone(id), now_ns: now_ns)
        case .timer(let t) where upstream.owns(t):
            let (effects, outcomes) = upstream.timer(t, now_ns: now_ns)
            return effects + outcomes.flatMap { route(correlate.upstream($0), now_ns: now_ns) }
        case .timer(let t):
            return route(correlate.timer(t) ?? [], now_ns: now_ns)
        case .shutdown:
            return [.stop(exitCode: 0)]
        case .wakeup:
            return []
        default:
            guard let (effects, outcomes) = upstream.handle(event, now_ns: now_ns) else { return [] }
            return effects + outcomes.flatMap { route(correlate.upstream($0), now_ns: now_ns) }
        }
    }

    private mutating func inbound(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        let (messages, rawEffects, malformed) = parse.receive(id, bytes)
        var effects = rawEffects
        for m in messages {
            switch m {
            case .job(let ref, let request):
                correlate.countRequest()
                if !request.keepAlive { deliver.closeAfter(ref) }
                effects += route(correlate.job(ref, request, now_ns: now_ns), now_ns: now_ns)
            case .callback(let ref, let token, let request):
                if !request.keepAlive { deliver.closeAfter(ref) }
                effects += route(correlate.callback(ref, token: token, request), now_ns: now_ns)
            case .local(let ref, let request):
                if !request.keepAlive { deliver.closeAfter(ref) }
                effects += deliver.deliver(Delivery(ref: ref, response: local(request)))
            case .connectionGone(let gone):
                // The client stopped sending (FIN) or vanished: whatever it waits for is abandoned.
                effects += route(correlate.connectionGone(gone), now_ns: now_ns)
                effects.append(.close(gone))
            }
        }
        if let (ref, error) = malformed {
            correlate.countBadRequest()
            deliver.closeAfter(ref)
            effects += deliver.deliver(Delivery(ref: ref, response: .error(error.status, error.message, keepAlive: false)))
        }
        return effects
    }

    private mutating func route(_ outputs: [CorrelateStage.Output], now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        for o in outputs {
            switch o {
            case .deliver(let d): effects += deliver.deliver(d)
            case .effect(let e): effects.append(e)
            case .dispatch(let job):
                let (upEffects, outcomes) = upstream.dispatch(job, now_ns: now_ns)
                effects += upEffects
                for outcome in outcomes { effects += route(correlate.upstream(outcome), now_ns: now_ns) }
            }
        }
        return effects
    }

    private func local(_ r: HTTPRequest) -> HTTPResponse {
        switch (r.method, String(r.path)) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            return .json(200, Array("{\"ok\":true}".utf8))
        case ("GET", "/stats"):
            return .json(200, Array(statsJSON.utf8))
        case (_, let p) where p.hasPrefix("/callback/"):
            return .error(405, "callbacks must be POSTed")
        default:
            var resp = HTTPResponse.error(405, "method \(r.method) not allowed; POST a job as {\"account\": ..., \"wait\": true}")
            resp.headers.add("Allow", "POST")
            return resp
        }
    }

    public var statsJSON: String {
        let s = correlate.stats
        return JSONText.object([
            ("clients_waiting", "\(correlate.waitingCount)"), ("upstream_connections", "\(upstream.connectionCount)"),
            ("upstream_queued", "\(upstream.queuedCount)"), ("requests", "\(s.requests)"),
            ("jobs_started", "\(s.jobsStarted)"), ("jobs_delivered", "\(s.jobsDelivered)"),
            ("forwarded_async", "\(s.forwardedAsync)"),
            ("callbacks_matched", "\(s.callbacksMatched)"), ("callbacks_early", "\(s.callbacksEarly)"),
            ("callbacks_unknown", "\(s.callbacksUnknown)"), ("callbacks_duplicate", "\(s.callbacksDuplicate)"),
            ("callbacks_late", "\(s.callbacksLate)"), ("timeouts", "\(s.timeouts)"), ("clients_gone", "\(s.clientsGone)"),
            ("upstream_connect_retries", "\(upstream.connectRetries)"), ("upstream_failures", "\(s.upstreamFailures)"), ("upstream_timeouts", "\(s.upstreamTimeouts)"), ("upstream_errors_passed", "\(s.upstreamErrorsPassed)"),
            ("bad_requests", "\(s.badRequests)"), ("refused_overload", "\(s.refusedOverload)"),
        ])
    }
}
