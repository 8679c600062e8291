import RcomCore

/// The async proxy: synchronous clients in, asynchronous (callback) job server out.
///
///     reactor events ─▶ server (HTTPServerTable) ─▶ correlate ─▶ dispatch upstream ─▶ (job server)
///                           ▲     callbacks ───────────▲  │                │
///                           └───────── deliver ◀────────┴──┴────────────────┘
///
/// Each stage is a plain value with no I/O. This type routes typed messages between them in one
/// work-list loop (no stage calls another) and collects the effects for the reactor.
public struct ProxyPipeline: TracedPipeline {
    public let config: ProxyConfig
    /// nil: tracing off (every span site below is this one nil check). On: `ProxyJobTraces`.
    public var tracing: PipelineTracing?
    private var traces = ProxyJobTraces()
    private var server: HTTPServerTable
    private var correlate: CorrelateStage
    private var upstream: UpstreamStage
    private var drain = ProxyDrain()

    private let admission: ProxyAdmission

    /// The server table's timer and the drain deadline: the proxy's own ID space (`ProxyOwner`).
    static let serverTimer = ProxyOwner.serverTimerID
    static let drainTimer = ProxyOwner.drainTimerID

    public init(config: ProxyConfig, entropy: EntropySource, tracing: PipelineTracing? = nil) {
        self.config = config
        self.tracing = tracing
        server = HTTPServerTable(limits: config.limits, timeouts: config.clientTimeouts,
                                 connectionsMax: config.clientConnectionsMax,
                                 // Past the client budget every newcomer is admitted "over the limit" (a job on
                                 // it gets 503, a callback is served); how many is the reactor's inbound bound
                                 // (clients + callback reserve): refusing here unread could drop a callback.
                                 overLimitMax: .max, timerID: Self.serverTimer)
        correlate = CorrelateStage(config: config, entropy: entropy)
        upstream = UpstreamStage(config: config)
        admission = ProxyAdmission(clientConnectionsMax: config.clientConnectionsMax)
    }

    public var stats: ProxyStats { correlate.stats }
    public var serverCounters: HTTPServerTable.Counters { server.counters }
    public var waitingClients: Int { correlate.waitingCount }
    public var upstreamConnections: Int { upstream.connectionCount }
    public var clientConnections: Int { server.count }
    public var isDraining: Bool { drain.started }
    /// Timers armed for waiting clients and silent upstream connections (0 when nothing leaked).
    public var armedTimers: Int { correlate.armedTimers + upstream.armedTimers }

    /// What the router carries between stages.
    private enum Work {
        case correlate([CorrelateStage.Output])
        case upstream([UpstreamOutcome])
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        handle(event, now_ns: now_ns, into: &effects)
        return effects
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns, into effects: inout [ReactorEffect]) {
        var work: [Work] = []
        // One switch on the owner, read from the event's id bits (`ProxyOwner`): no stage is probed.
        switch ProxyOwner.of(event) {
        case .client(let id):
            switch event {
            case .accepted(_, let listener):
                effects += server.accepted(id, listener: listener, now_ns: now_ns)
            case .received(_, let bytes):
                work.append(.correlate(inbound(id, bytes, now_ns: now_ns, effects: &effects)))
            case .readClosed:
                work.append(.correlate(inbound(id, nil, now_ns: now_ns, effects: &effects)))
            case .closed:
                if tracing != nil { traces.connectionGone(id, tracing: &tracing!, now_ns: now_ns) }
                effects += server.closed(id)
                work.append(.correlate(correlate.connectionGone(id)))
            default:
                break
            }
        case .upstream:
            let (upEffects, outcomes) = upstream.handle(event, now_ns: now_ns)
            effects += upEffects
            work.append(.upstream(outcomes))
        case .serverTimer:
            let before = server.counters
            effects += server.timer(now_ns: now_ns)
            // Timeouts in aggregate: one line per sweep that closed something, never one per client.
            let after = server.counters
            if after.requestTimeouts > before.requestTimeouts || after.idleTimeouts > before.idleTimeouts {
                effects.append(.notice(OperatorNotice(.info, "client connections timed out", [
                    ("request_timeouts", "\(after.requestTimeouts - before.requestTimeouts)"),
                    ("idle_timeouts", "\(after.idleTimeouts - before.idleTimeouts)"), ("client_connections", "\(server.count)")])))
            }
        case .drainTimer:
            work.append(.correlate(correlate.abandonAll(status: 503, "the proxy is shutting down: no callback came within its drain timeout of \(config.drainTimeout_ms) ms", now_ns: now_ns)))
            drain.deadlinePassed = true
        case .upstreamTimer(let t):
            let (upEffects, outcomes) = upstream.timer(t, now_ns: now_ns)
            effects += upEffects
            work.append(.upstream(outcomes))
        case .correlateTimer(let t):
            work.append(.correlate(correlate.timer(t, now_ns: now_ns)))
        case .shutdown:
            if drain.started {
                effects.append(.notice(OperatorNotice(.warn, "second signal: answering every waiting client 503 and stopping", [("waiting", "\(correlate.waitingCount)")])))
                // A second signal: answer everyone still waiting, then go at once.
                work.append(.correlate(correlate.abandonAll(status: 503, "the proxy is shutting down now", now_ns: now_ns)))
                drain.immediate = true
            } else {
                drain.started = true
                effects.append(.notice(OperatorNotice(.info, "drain started", [("waiting", "\(correlate.waitingCount)"),
                                                                              ("drain_timeout_ms", "\(config.drainTimeout_ms)")])))
                effects += server.stopReadingServed(now_ns: now_ns)
                effects.append(.setTimer(Self.drainTimer, deadline_ns: now_ns + UInt64(config.drainTimeout_ms) * 1_000_000))
            }
        case .none:
            break
        }
        run(&work, now_ns: now_ns, into: &effects)
        if drain.started, let code = drain.exitCode(outstanding: server.outstanding) {
            effects += [.notice(OperatorNotice(.info, "drain finished", [("exit_code", "\(code)"), ("answered_503", "\(correlate.stats.drainAbandoned)")])),
                        .cancelTimer(Self.drainTimer), .stop(exitCode: code)]
        }
    }

    /// The router: one loop over a work list; stages return messages, never call each other.
    /// `work` is the caller's (in place: a copy of it grew a second array per event).
    private mutating func run(_ work: inout [Work], now_ns: Instant_ns, into effects: inout [ReactorEffect]) {
        var next = 0
        while next < work.count {
            let item = work[next]
            next += 1
            switch item {
            case .upstream(let outcomes):
                effects += Self.notices(for: outcomes)
                if tracing != nil { for o in outcomes { traces.upstream(o, tracing: &tracing!, now_ns: now_ns) } }
                for outcome in outcomes { work.append(.correlate(correlate.upstream(outcome, now_ns: now_ns))) }
            case .correlate(let outputs):
                for output in outputs {
                    switch output {
                    case .deliver(let d):
                        if tracing != nil { traces.answered(d.ref, d.response, tracing: &tracing!, now_ns: now_ns) }
                        server.respond(d.ref, d.response, now_ns: now_ns, into: &effects)
                    case .effect(let e): effects.append(e)
                    case .dispatch(let job):
                        let (upEffects, outcomes) = upstream.dispatch(job, now_ns: now_ns)
                        effects += upEffects
                        work.append(.upstream(outcomes))
                    }
                }
            }
        }
    }

    /// What the operator hears of upstream trouble: one line per batch of outcomes, not per start.
    private static func notices(for outcomes: [UpstreamOutcome]) -> [ReactorEffect] {
        var ambiguous = 0, failed = 0
        var reason = ""
        var unreachable: String?
        for o in outcomes {
            switch o {
            case .ambiguous(_, let why): ambiguous += 1; reason = why
            case .failed(_, let why): failed += 1; reason = why
            case .unreachable(let why): unreachable = why
            default: break
            }
        }
        var out: [ReactorEffect] = []
        if ambiguous > 0 {
            out.append(.notice(OperatorNotice(.warn, "upstream connection broke with starts in flight (ambiguous: kept waiting for callbacks)",
                                              [("starts", "\(ambiguous)"), ("reason", reason)])))
        }
        if failed > 0 {
            out.append(.notice(OperatorNotice(.warn, "job server unreachable: starts failed", [("starts", "\(failed)"), ("reason", reason)])))
        }
        if let why = unreachable {
            out.append(.notice(OperatorNotice(.error, "job server unreachable after closing a connection: waiting clients get the ambiguity grace", [("reason", why)])))
        }
        return out
    }

    /// Bytes (or EOF) from a client or the job server's callback connection → stage outputs.
    private mutating func inbound(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns,
                                  effects: inout [ReactorEffect]) -> [CorrelateStage.Output] {
        let requests = server.received(id, bytes, now_ns: now_ns, into: &effects)
        var outputs: [CorrelateStage.Output] = []
        let roles = ListenerRoles.of(listener: server.listener(of: id), in: config.listenerRoles)
        for (ref, request) in requests {
            let route = ProxyRoute(request, instance: config.instance)
            guard roles.contains(route.role) else {
                // Not served on this listener: as if it did not exist (no hint of the others).
                outputs.append(.deliver(Delivery(ref: ref, response: .error(404, "not found"))))
                continue
            }
            switch route {
            case .job:
                correlate.countRequest()
                let traceContext = tracing == nil ? nil : traces.request(ref, request, tracing: &tracing!, now_ns: now_ns)
                switch admission.verdict(draining: drain.started, overLimit: server.isOverLimit(id)) {
                case .admit:
                    let started = correlate.job(ref, request, now_ns: now_ns)
                    outputs += traceContext.map { traced(started, ref: ref, server: $0, now_ns: now_ns) } ?? started
                case .draining(let refusal):
                    outputs.append(.deliver(Delivery(ref: ref, response: refusal)))
                case .overLimit(let refusal):
                    correlate.countRefusedAtLimit()
                    outputs.append(.deliver(Delivery(ref: ref, response: refusal)))
                }
            case .callback(let token):
                if tracing != nil { traces.callback(token, request, tracing: &tracing!, now_ns: now_ns) }
                // Callbacks are taken while draining: they are what the drain waits for.
                outputs += correlate.callback(ref, token: token, request, now_ns: now_ns)
            case .local:
                outputs.append(.deliver(Delivery(ref: ref, response: local(request))))
            }
        }
        return outputs
    }

    /// A job's start, given its client span and `traceparent` before it goes upstream.
    private mutating func traced(_ outputs: [CorrelateStage.Output], ref: RequestRef, server: TraceContext, now_ns: Instant_ns) -> [CorrelateStage.Output] {
        outputs.map { o in
            guard case .dispatch(var job) = o else { return o }
            traces.dispatch(&job, ref: ref, server: server, tracing: &tracing!, now_ns: now_ns)
            return .dispatch(job)
        }
    }

    private func local(_ r: HTTPRequest) -> HTTPResponse {
        switch (r.method, String(r.path)) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            // 503 while draining, so a load balancer stops sending new clients here.
            return drain.started ? .json(503, Array("{\"ok\":false,\"draining\":true}".utf8), keepAlive: false)
                                 : .json(200, Array(config.build.healthJSON.utf8))
        case ("GET", "/stats"):
            return .json(200, Array(statsJSON.utf8))
        case ("GET", "/metrics"):
            return .metrics(metricsText)
        case (_, let p) where p.hasPrefix("/callback/"):
            var resp = HTTPResponse.error(405, "callbacks must be POSTed")
            resp.headers.add("Allow", "POST")
            return resp
        case (_, "/healthz"), (_, "/stats"), (_, "/metrics"):
            var resp = HTTPResponse.error(405, "method \(r.method) not allowed on \(r.path)")
            resp.headers.add("Allow", "GET, HEAD")
            return resp
        default:
            var resp = HTTPResponse.error(405, "method \(r.method) not allowed; POST a job as {\"account\": ..., \"wait\": true}")
            resp.headers.add("Allow", "POST")
            return resp
        }
    }

    /// Every number of `/stats` and `/metrics`, listed once (`ProxyMetrics.registry`).
    public var metricsRegistry: MetricsRegistry {
        var r = ProxyMetrics.registry(stats: correlate.stats, server: server.counters,
                              gauges: ProxyMetrics.Gauges(clientsWaiting: correlate.waitingCount, clientConnections: server.count,
                                                          upstreamConnections: upstream.connectionCount, upstreamQueued: upstream.queuedCount,
                                                          finishedTokensRemembered: correlate.finishedRemembered, draining: drain.started),
                              upstreamConnectRetries: upstream.connectRetries, upstreamIdleReleases: upstream.idleReleases)
        if let t = tracing { r.spanExport(t.exportCounters) }
        return r
    }

    /// `GET /metrics`: Prometheus text exposition 0.0.4.
    public var metricsText: String { correlate.metrics.render(metricsRegistry, build: config.build) }

    public var statsJSON: String { metricsRegistry.json }
}

/// The drain after SIGTERM/SIGINT: new jobs 503, waiting clients kept until their callbacks,
/// exit 0 when none is left or the drain timeout answered them 503; a second signal exits 1.
struct ProxyDrain {
    var started = false
    var deadlinePassed = false
    var immediate = false
    private var stopped = false

    mutating func exitCode(outstanding: Int) -> Int32? {
        guard started, !stopped else { return nil }
        if immediate { stopped = true; return 1 }
        if outstanding == 0 || deadlinePassed { stopped = true; return 0 }
        return nil
    }
}
