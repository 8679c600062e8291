import RcomCore

/// Stage 2 (correlate): the callback registry. A waiting client is registered under an
/// unguessable token *before* its upstream request exists, so a callback that overtakes the
/// start response still finds it. Every entry leaves by exactly one door: callback, upstream
/// error, timeout, or client gone.
struct CorrelateStage {
    enum Output {
        case deliver(Delivery)
        case dispatch(UpstreamJob)
        case effect(ReactorEffect)
    }

    private struct Waiter {
        let ref: RequestRef
        let timer: TimerID
        var started = false
        /// Why the start became ambiguous (connection broke after it was written), if it did.
        var ambiguous: String?
        var deadline_ns: Instant_ns
        /// When the client's request was complete, and when its start went upstream (metrics).
        let requested_ns: Instant_ns
        var startSent_ns: Instant_ns
    }

    enum Finished: Equatable {
        case delivered(jobID: String)
        case clientGone
        case timedOut
        case failed
    }

    let config: ProxyConfig
    private let entropy: EntropySource
    private(set) var stats = ProxyStats()
    private(set) var metrics = ProxyMetrics()
    private var waiting: [CallbackToken: Waiter] = [:]
    /// wait:false starts forwarded and not answered yet: work in flight like a waiting client,
    /// so they count toward `waitingClientsMax` too (uncounted, they were an unbounded queue).
    private(set) var passThroughInFlight = 0
    private var tokensOf: [ConnectionID: [CallbackToken]] = [:]
    private var timers: [TimerID: CallbackToken] = [:]
    private var nextTimer: UInt64 = 0
    private var finished: [CallbackToken: Finished] = [:]
    /// Finished tokens in the order they finished, as a ring of `finishedTokensMax` slots: the
    /// oldest is overwritten (and forgotten) by the newest, so the memory is the bound, not twice
    /// it (an array compacted by halves kept up to 400,000 tokens alive: measured 144 MiB RSS).
    private var finishedRing: [CallbackToken] = []
    private var ringNext = 0

    /// Every callback URL is this plus the token (formatting the public URL per job showed in
    /// the profile).
    private let callbackBase: String

    init(config: ProxyConfig, entropy: EntropySource) {
        self.config = config
        self.entropy = entropy
        callbackBase = config.callbackURL(token: "")
    }

    var waitingCount: Int { waiting.count }
    var armedTimers: Int { timers.count }

    mutating func countRequest() { stats.requests += 1 }
    mutating func countBadRequest() { stats.badRequests += 1 }
    mutating func countRefusedAtLimit() { stats.refusedOverload += 1 }

    // MARK: inputs

    mutating func job(_ ref: RequestRef, _ request: HTTPRequest, now_ns: Instant_ns) -> [Output] {
        let start: JobStartRequest
        switch JobStartRequest.parse(request.body) {
        case .success(let s): start = s
        case .failure(let e):
            stats.badRequests += 1
            return [.deliver(Delivery(ref: ref, response: .error(400, e.message)))]
        }
        guard waiting.count + passThroughInFlight < config.waitingClientsMax else {
            stats.refusedOverload += 1
            return [.deliver(Delivery(ref: ref, response: .error(503, "proxy is at its limit of \(config.waitingClientsMax) jobs in flight; retry later")))]
        }
        guard start.wait else {
            // wait:false: forwarded transparently, callback and all.
            stats.forwardedAsync += 1
            passThroughInFlight += 1
            return [.dispatch(UpstreamJob(account: start.account, body: request.body, purpose: .passThrough(ref)))]
        }
        let token = CallbackToken(drawingFrom: entropy)
        nextTimer += 1
        let timer = TimerID(raw: nextTimer)
        let deadline = now_ns + UInt64(config.callbackTimeout_ms) * 1_000_000
        waiting[token] = Waiter(ref: ref, timer: timer, deadline_ns: deadline, requested_ns: now_ns, startSent_ns: now_ns)
        tokensOf[ref.connection, default: []].append(token)
        timers[timer] = token
        let body = start.forwarded(callback: callbackBase + token.description)
        stats.jobsStarted += 1
        return [.effect(.setTimer(timer, deadline_ns: deadline)),
                .dispatch(UpstreamJob(account: start.account, body: body, purpose: .waitForCallback(token: token)))]
    }

    /// `token` is nil when the URL holds none of ours (another instance's, a query, not 32 hex digits).
    mutating func callback(_ ref: RequestRef, token: CallbackToken?, _ request: HTTPRequest, now_ns: Instant_ns) -> [Output] {
        let object = try? JSONObject.parse(request.body).get()
        let jobID = object?.string("id") ?? ""
        if let token, let waiter = waiting[token] {
            guard object != nil else {
                return [.deliver(Delivery(ref: ref, response: .error(400, "callback body must be a JSON object")))]
            }
            stats.callbacksMatched += 1
            if !waiter.started { stats.callbacksEarly += 1 }
            stats.jobsDelivered += 1
            metrics.observeCallbackWait(startSent_ns: waiter.startSent_ns, callback_ns: now_ns)
            metrics.observeJobAnswered(requested_ns: waiter.requested_ns, startSent_ns: waiter.startSent_ns, callback_ns: now_ns, answered_ns: now_ns)
            var out = finish(token, as: .delivered(jobID: jobID))
            out.append(.deliver(Delivery(ref: waiter.ref, response: .json(200, request.body))))
            out.append(.deliver(Delivery(ref: ref, response: .json(200, Array("{\"ok\":true}".utf8)))))
            return out
        }
        switch token.flatMap({ finished[$0] }) {
        case .delivered(let first)?:
            if first == jobID {
                stats.callbacksDuplicate += 1
                return [.deliver(Delivery(ref: ref, response: .json(200, Array("{\"ok\":true,\"duplicate\":true}".utf8))))]
            }
            stats.callbacksUnknown += 1
            return [.deliver(Delivery(ref: ref, response: .error(409, "this callback token was already completed by job \(first.prefix(40)); a callback with another job id is refused")))]
        case .clientGone?, .timedOut?, .failed?:
            stats.callbacksLate += 1
            return [.deliver(Delivery(ref: ref, response: .json(200, Array("{\"ok\":true,\"late\":true}".utf8))))]
        case nil:
            stats.callbacksUnknown += 1
            return [.deliver(Delivery(ref: ref, response: .error(404, "unknown callback token")))]
        }
    }

    mutating func upstream(_ outcome: UpstreamOutcome, now_ns: Instant_ns) -> [Output] {
        switch outcome {
        case .accepted(.waitForCallback(let token), let response, let sent_ns):
            guard let waiter = waiting[token] else { return [] }
            metrics.observeUpstreamStart(sent_ns: sent_ns, answered_ns: now_ns)
            waiting[token]!.startSent_ns = sent_ns
            // The job server said yes; if it did not say it in JSON, it is not the server we
            // think, and no callback is coming: waiting out the timeout would only hide that.
            guard case .success = JSONObject.parse(response.body) else {
                stats.upstreamMalformedAccepts += 1
                return finish(token, as: .failed, now_ns: now_ns) + [.deliver(Delivery(ref: waiter.ref, response: .error(502, "the job server accepted the start but its answer is not a JSON object")))]
            }
            waiting[token]?.started = true
            return []
        case .ambiguous(.waitForCallback(let token), let reason):
            guard let waiter = waiting[token] else { return [] }
            stats.upstreamAmbiguous += 1
            // The job may be running: its callback still completes the client. Never re-sent.
            waiting[token]!.ambiguous = "the job server's connection broke after the start was sent (\(reason))"
            let grace = now_ns + UInt64(config.ambiguityGrace_ms) * 1_000_000
            guard grace < waiter.deadline_ns else { return [] }
            waiting[token]!.deadline_ns = grace
            return [.effect(.setTimer(waiter.timer, deadline_ns: grace))]
        case .unreachable(let reason):
            // The job server is gone (it closed a connection, then refused every attempt): a
            // callback is no longer likely. Every waiting client gets the grace, not the full
            // callback timeout; one still coming within it completes the client as usual.
            let grace = now_ns + UInt64(config.ambiguityGrace_ms) * 1_000_000
            var out: [Output] = []
            for token in waiting.keys.sorted() where waiting[token]!.deadline_ns > grace {
                waiting[token]!.deadline_ns = grace
                waiting[token]!.ambiguous = waiting[token]!.ambiguous ?? "the job server became unreachable (\(reason))"
                out.append(.effect(.setTimer(waiting[token]!.timer, deadline_ns: grace)))
            }
            return out
        case .ambiguous(.passThrough(let ref), let reason):
            passThroughInFlight -= 1
            stats.upstreamAmbiguous += 1
            return [.deliver(Delivery(ref: ref, response: .error(502, "the job server's connection broke after the request was sent (\(reason)); the job may or may not have started")))]
        case .rejected(.waitForCallback(let token), let response):
            guard let waiter = waiting[token] else { return [] }
            stats.upstreamErrorsPassed += 1
            return finish(token, as: .failed, now_ns: now_ns) + [.deliver(Delivery(ref: waiter.ref, response: passThrough(response)))]
        case .failed(.waitForCallback(let token), let reason):
            guard let waiter = waiting[token] else { return [] }
            stats.upstreamFailures += 1
            return finish(token, as: .failed, now_ns: now_ns) + [.deliver(Delivery(ref: waiter.ref, response: .error(502, "job server unavailable: \(reason)")))]
        case .timedOut(.waitForCallback(let token), let reason):
            guard let waiter = waiting[token] else { return [] }
            stats.upstreamTimeouts += 1
            return finish(token, as: .failed, now_ns: now_ns) + [.deliver(Delivery(ref: waiter.ref, response: .error(504, reason)))]
        case .timedOut(.passThrough(let ref), let reason):
            passThroughInFlight -= 1
            stats.upstreamTimeouts += 1
            return [.deliver(Delivery(ref: ref, response: .error(504, reason)))]
        case .accepted(.passThrough(let ref), let response, _), .rejected(.passThrough(let ref), let response):
            passThroughInFlight -= 1
            if response.status >= 400 { stats.upstreamErrorsPassed += 1 }
            return [.deliver(Delivery(ref: ref, response: passThrough(response)))]
        case .failed(.passThrough(let ref), let reason):
            passThroughInFlight -= 1
            stats.upstreamFailures += 1
            return [.deliver(Delivery(ref: ref, response: .error(502, "job server unavailable: \(reason)")))]
        }
    }

    /// Returns nil when the timer is not one of ours.
    mutating func timer(_ id: TimerID, now_ns: Instant_ns) -> [Output]? {
        guard let token = timers[id] else { return nil }
        guard let waiter = waiting[token] else { return [] }
        if let why = waiter.ambiguous {
            stats.ambiguousUnresolved += 1
            return finish(token, as: .failed, now_ns: now_ns)
                + [.deliver(Delivery(ref: waiter.ref, response: .error(502, "\(why), and no callback came within \(config.ambiguityGrace_ms) ms: the job may or may not have run")))]
        }
        stats.timeouts += 1
        return finish(token, as: .timedOut, now_ns: now_ns)
            + [.deliver(Delivery(ref: waiter.ref, response: .error(504, "no callback from the job server within \(config.callbackTimeout_ms) ms")))]
    }

    /// Every waiting client is answered `status` now (drain deadline, second signal), in
    /// request order so that replays see the same effects.
    mutating func abandonAll(status: Int, _ message: String, now_ns: Instant_ns) -> [Output] {
        let tokens = waiting.sorted { a, b in
            (a.value.ref.connection, a.value.ref.sequence) < (b.value.ref.connection, b.value.ref.sequence)
        }.map(\.key)
        var out: [Output] = []
        for token in tokens {
            guard let ref = waiting[token]?.ref else { continue }
            stats.drainAbandoned += 1
            out += finish(token, as: .failed, now_ns: now_ns)
            out.append(.deliver(Delivery(ref: ref, response: .error(status, message, keepAlive: false))))
        }
        return out
    }

    /// Finished tokens remembered for late and duplicate callbacks (bounded by `finishedTokensMax`).
    var finishedRemembered: Int { finished.count }

    mutating func connectionGone(_ id: ConnectionID) -> [Output] {
        guard let tokens = tokensOf[id] else { return [] }
        var out: [Output] = []
        for token in tokens where waiting[token] != nil {
            stats.clientsGone += 1
            out += finish(token, as: .clientGone)
        }
        tokensOf[id] = nil
        return out
    }

    // MARK: bookkeeping

    /// Removes a waiter everywhere it is indexed and remembers how it ended.
    /// `now_ns`: the client is answered now (not by its callback), which the metrics observe.
    private mutating func finish(_ token: CallbackToken, as end: Finished, now_ns: Instant_ns? = nil) -> [Output] {
        guard let waiter = waiting.removeValue(forKey: token) else { return [] }
        if let now_ns { metrics.observeRequestAnswered(requested_ns: waiter.requested_ns, answered_ns: now_ns) }
        timers[waiter.timer] = nil
        if var list = tokensOf[waiter.ref.connection] {
            list.removeAll { $0 == token }
            tokensOf[waiter.ref.connection] = list.isEmpty ? nil : list
        }
        finished[token] = end
        if finishedRing.count < config.finishedTokensMax {
            finishedRing.append(token)
        } else if config.finishedTokensMax > 0 {
            finished[finishedRing[ringNext]] = nil
            finishedRing[ringNext] = token
            ringNext = (ringNext + 1) % config.finishedTokensMax
        } else {
            finished[token] = nil
        }
        return [.effect(.cancelTimer(waiter.timer))]
    }

    private func passThrough(_ r: HTTPResponse) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", r.headers["content-type"] ?? "application/json")
        return HTTPResponse(status: r.status, reason: r.reason, headers: headers, body: r.body)
    }
}
