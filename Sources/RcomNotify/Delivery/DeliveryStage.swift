import RcomCore

/// Delivers notifications over the reactor's connections: one connection per attempt, HTTP or
/// SMTP as the channel's request says, a timeout per attempt, retries of transient failures
/// with exponential backoff and jitter (or the provider's `Retry-After`), a final outcome each.
///
/// Requests to a scheme in `policy.carriedSchemes` (https: the reactor has no TLS) are not
/// connections: they wait in `takeCarried()` for the owner's `RequestCarrier`, and their answers
/// come back as `CarriedAnswer` wakeup events; timeout, retries and the adapter are the same.
///
/// Sans-IO: events and time in, effects and reports out. Jitter comes from the injected
/// entropy source, so a seeded source gives the same schedule every run. Wall-clock time is an
/// input too (`setWallClock`), used only to date answers that lack a `Date` header.
public struct DeliveryStage {
    public let policy: DeliveryPolicy
    private let entropy: EntropySource
    /// Outbound connection and timer numbers start here, so an owner can allocate others apart.
    private var nextConnection: UInt64
    private var nextTimer: UInt64

    private struct Job {
        let notification: Notification
        let channel: any Channel
        let request: ProviderRequest
        var attempts = 0
    }

    private typealias Exchange = DeliveryExchange

    private enum TimerPurpose {
        case attemptTimeout(ConnectionID)
        case greeting(ConnectionID)
        case retry(String)
    }

    private var jobs: [String: Job] = [:]
    private var ready = FIFO<String>()
    private var exchanges: [ConnectionID: Exchange] = [:]
    private var timers: [TimerID: TimerPurpose] = [:]
    private var outbox: [CarriedRequest] = []
    private var wallAnchor: (wall_ms: Int64, at_ns: Instant_ns)?

    public init(policy: DeliveryPolicy, entropy: EntropySource, idBase: UInt64 = 0) {
        self.policy = policy
        self.entropy = entropy
        self.nextConnection = idBase
        self.nextTimer = idBase
    }

    /// Notifications held (waiting, in flight or between retries).
    public var heldCount: Int { jobs.count }
    public var isIdle: Bool { jobs.isEmpty && exchanges.isEmpty }
    public var hasRoom: Bool { jobs.count < policy.notificationsMax }

    /// Requests for the carrier, produced since the last call.
    public mutating func takeCarried() -> [CarriedRequest] {
        defer { outbox.removeAll() }
        return outbox
    }

    /// The wall clock (ms since the epoch) at monotonic `now_ns`, given by the owner (it arrives
    /// in the start event, so a trace replays it). Later wall times are derived from it.
    public mutating func setWallClock(_ wall_ms: Int64, at now_ns: Instant_ns) { wallAnchor = (wall_ms, now_ns) }

    /// Takes a notification; returns nil (and does nothing) at `notificationsMax`.
    public mutating func submit(_ notification: Notification, channel: any Channel, now_ns: Instant_ns) -> [ReactorEffect]? {
        guard hasRoom else { return nil }
        precondition(jobs[notification.id] == nil, "notification \(notification.id) submitted twice")
        jobs[notification.id] = Job(notification: notification, channel: channel, request: channel.request(for: notification))
        ready.append(notification.id)
        return startReady(now_ns: now_ns)
    }

    /// Returns nil for events that are not about this stage's connections or timers.
    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> (effects: [ReactorEffect], reports: [DeliveryReport])? {
        switch event {
        case .connected(let id):
            guard var x = exchanges[id] else { return nil }
            guard !x.settled else { return ([], []) }
            let (effects, result) = x.connected(id)
            exchanges[id] = x
            guard let result else { return (effects, []) }
            return conclude(id, result, effects: effects, now_ns: now_ns)
        case .received(let id, let bytes):
            guard exchanges[id] != nil else { return nil }
            return receive(id, bytes, now_ns: now_ns)
        case .readClosed(let id):
            guard exchanges[id] != nil else { return nil }
            return receive(id, nil, now_ns: now_ns)
        case .closed(let id, let reason), .connectFailed(let id, let reason):
            guard let x = exchanges.removeValue(forKey: id) else { return nil }
            var effects: [ReactorEffect] = []
            var reports: [DeliveryReport] = []
            if !x.settled {
                effects += cancelTimers(x)
                (effects, reports) = settle(x, .transient("connection: \(reason)", retryAfter_ms: nil), now_ns: now_ns, effects: effects)
            }
            return (effects + startReady(now_ns: now_ns), reports)
        case .wakeup(let tag, let payload) where tag == CarriedAnswer.tag:
            guard let answer = CarriedAnswer.decode(payload) else { return ([], []) }
            return carriedAnswer(answer, now_ns: now_ns)
        case .timer(let t):
            guard let purpose = timers.removeValue(forKey: t) else { return nil }
            switch purpose {
            case .attemptTimeout(let id):
                guard var x = exchanges[id], !x.settled else { return ([], []) }
                var why = DeliveryResult.transient("no answer within \(policy.attemptTimeout_ms) ms", retryAfter_ms: nil)
                if case .smtp(let t) = x.transport, !t.heardFromRelay { why = t.silentRelayResult(after_ms: policy.attemptTimeout_ms) }
                if case .carried = x.transport {
                    // Its late answer finds no exchange and is dropped.
                    exchanges[id] = nil
                    return settle(x, why, now_ns: now_ns, effects: [])
                }
                x.settled = true
                exchanges[id] = x
                return settle(x, why, now_ns: now_ns, effects: cancelTimers(x) + [.reset(id)])
            case .greeting(let id):
                guard var x = exchanges[id], !x.settled, case .smtp(let t) = x.transport, !t.heardFromRelay else { return ([], []) }
                x.greetingTimer = nil
                x.settled = true
                exchanges[id] = x
                timers[x.timer] = nil
                return settle(x, t.silentRelayResult(after_ms: policy.smtpGreetingTimeout_ms), now_ns: now_ns,
                              effects: [.cancelTimer(x.timer), .reset(id)])
            case .retry(let jobID):
                ready.append(jobID)
                return (startReady(now_ns: now_ns), [])
            }
        default:
            return nil
        }
    }

    // MARK: - Attempts

    private mutating func startReady(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        while exchanges.count < policy.connectionsMax, let jobID = ready.popFirst() {
            effects += start(jobID, now_ns: now_ns)
        }
        return effects
    }

    private mutating func start(_ jobID: String, now_ns: Instant_ns) -> [ReactorEffect] {
        guard let job = jobs[jobID] else { return [] }
        jobs[jobID]!.attempts += 1
        nextConnection += 1
        nextTimer += 1
        let id = ConnectionID.outbound(nextConnection)
        let timer = TimerID(raw: nextTimer)
        timers[timer] = .attemptTimeout(id)
        var effects: [ReactorEffect] = [.setTimer(timer, deadline_ns: now_ns + UInt64(policy.attemptTimeout_ms) * 1_000_000)]
        switch job.request {
        case .http(let url, var request) where policy.carriedSchemes.contains(url.scheme):
            request.headers.set("Connection", "close")
            outbox.append(CarriedRequest(exchange: id, url: url, request: request, timeout_ms: policy.attemptTimeout_ms))
            exchanges[id] = Exchange(jobID: jobID, started_ns: now_ns, timer: timer, transport: .carried, peerHost: url.host, peerPort: url.port)
        case .http(let url, var request):
            // One request per connection: the provider closes after answering.
            request.headers.set("Connection", "close")
            var c = HTTPClientConnection<Int>(id: id, url: url)
            effects.append(c.connectEffect)
            effects += c.send(request, tag: 0)
            exchanges[id] = Exchange(jobID: jobID, started_ns: now_ns, timer: timer, transport: .http(c), peerHost: url.host, peerPort: url.port)
        case .smtp(let endpoint, let envelope):
            effects.append(.connect(id, host: endpoint.host, port: endpoint.port))
            var x = Exchange(jobID: jobID, started_ns: now_ns, timer: timer, transport: .smtp(SMTPTransport(endpoint: endpoint, envelope: envelope)),
                             peerHost: endpoint.host, peerPort: endpoint.port)
            // (With an attempt timeout no longer than it, the attempt's own timer gives the same verdict.)
            if policy.smtpGreetingTimeout_ms < policy.attemptTimeout_ms {
                nextTimer += 1
                let greeting = TimerID(raw: nextTimer)
                timers[greeting] = .greeting(id)
                x.greetingTimer = greeting
                effects.append(.setTimer(greeting, deadline_ns: now_ns + UInt64(policy.smtpGreetingTimeout_ms) * 1_000_000))
            }
            exchanges[id] = x
        }
        return effects
    }

    private mutating func receive(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> (effects: [ReactorEffect], reports: [DeliveryReport]) {
        guard var x = exchanges[id] else { return ([], []) }
        guard !x.settled else { return bytes == nil ? ([.close(id)], []) : ([], []) }
        if case .carried = x.transport { return ([], []) }
        let channel = jobs[x.jobID]!.channel
        var (effects, result) = x.receive(id, bytes, channel: channel) { dated($0, now_ns: now_ns) }
        if let g = x.greetingTimer, case .smtp(let t) = x.transport, t.heardFromRelay {
            timers[g] = nil
            x.greetingTimer = nil
            effects.append(.cancelTimer(g))
        }
        exchanges[id] = x
        guard let result else { return (effects, []) }
        return conclude(id, result, effects: effects, now_ns: now_ns)
    }

    /// The attempt on `id` has its result: stop its timers, close, settle.
    private mutating func conclude(_ id: ConnectionID, _ result: DeliveryResult, effects: [ReactorEffect],
                                   now_ns: Instant_ns) -> (effects: [ReactorEffect], reports: [DeliveryReport]) {
        guard var x = exchanges[id] else { return (effects, []) }
        x.settled = true
        let cancels = cancelTimers(x)
        x.greetingTimer = nil
        exchanges[id] = x
        return settle(x, result, now_ns: now_ns, effects: effects + cancels + [.close(id)])
    }

    private mutating func cancelTimers(_ x: Exchange) -> [ReactorEffect] {
        var effects: [ReactorEffect] = [.cancelTimer(x.timer)]
        timers[x.timer] = nil
        if let g = x.greetingTimer, timers.removeValue(forKey: g) != nil { effects.append(.cancelTimer(g)) }
        return effects
    }

    private mutating func carriedAnswer(_ answer: CarriedAnswer, now_ns: Instant_ns) -> (effects: [ReactorEffect], reports: [DeliveryReport]) {
        let id: ConnectionID, response: HTTPResponse?, failure: String
        switch answer {
        case .response(let i, let r): (id, response, failure) = (i, r, "")
        case .failed(let i, let why): (id, response, failure) = (i, nil, why)
        }
        // An answer after the attempt timed out finds no exchange.
        guard var x = exchanges[id], case .carried = x.transport, let job = jobs[x.jobID] else { return ([], []) }
        exchanges[id] = nil
        x.providerStatus = response?.status
        timers[x.timer] = nil
        let result = response.map { job.channel.result(of: .http(dated($0, now_ns: now_ns))) } ?? .transient(failure, retryAfter_ms: nil)
        return settle(x, result, now_ns: now_ns, effects: [.cancelTimer(x.timer)])
    }

    /// RFC 9110 §6.6.1: a recipient with a clock appends `Date` to a response without one, so
    /// the adapter can read a `Retry-After` date against it.
    private func dated(_ r: HTTPResponse, now_ns: Instant_ns) -> HTTPResponse {
        guard r.headers["date"] == nil, let wall = wall_ms(at: now_ns) else { return r }
        var r = r
        r.headers.add("Date", HTTPDate.imfFixdate(ms: wall))
        return r
    }

    /// The wall clock at `now_ns`, from the anchor the owner gave (nil before it gave one).
    private func wall_ms(at now_ns: Instant_ns) -> Int64? {
        guard let anchor = wallAnchor else { return nil }
        let elapsed_ms = now_ns >= anchor.at_ns ? Int64((now_ns - anchor.at_ns) / 1_000_000) : -Int64((anchor.at_ns - now_ns) / 1_000_000)
        return anchor.wall_ms + elapsed_ms
    }

    /// Records the attempt; finishes the notification or schedules its next attempt.
    private mutating func settle(_ x: Exchange, _ result: DeliveryResult, now_ns: Instant_ns,
                                 effects: [ReactorEffect]) -> (effects: [ReactorEffect], reports: [DeliveryReport]) {
        guard let job = jobs[x.jobID] else { return (effects, []) }
        var effects = effects
        var reports: [DeliveryReport] = [.attempt(AttemptRecord(
            notificationID: job.notification.id, channel: job.notification.channel, attempt: job.attempts,
            result: result, started_ns: x.started_ns, duration_ns: now_ns - x.started_ns, providerStatus: x.providerStatus, peerHost: x.peerHost, peerPort: x.peerPort))]
        var final: DeliveryResult? = result
        if case .transient(let why, let retryAfter_ms) = result, job.attempts < policy.attemptsMax {
            if let wish = retryAfter_ms, wish > policy.retryAfterMax_ms {
                final = .transient("\(why); Retry-After \(wish / 1000) s is over the \(policy.retryAfterMax_ms / 1000) s limit",
                                   retryAfter_ms: wish)
            } else {
                let delay_ms = retryAfter_ms ?? policy.backoff_ms(afterAttempt: job.attempts, unit: unit())
                nextTimer += 1
                let timer = TimerID(raw: nextTimer)
                timers[timer] = .retry(x.jobID)
                effects.append(.setTimer(timer, deadline_ns: now_ns + UInt64(delay_ms) * 1_000_000))
                final = nil
            }
        }
        if var final {
            jobs[x.jobID] = nil
            var delivered = false, nextAttempt_ms: Int64?
            if case .delivered = final { delivered = true }
            if case .transient(let why, let wish) = final, job.channel.defersTransientFailures {
                let n = job.notification
                nextAttempt_ms = policy.pending.nextAttempt_ms(deferrals: n.deferrals, createdAt_ms: n.createdAt_ms,
                                                               now_ms: wall_ms(at: now_ns) ?? n.createdAt_ms)
                if nextAttempt_ms == nil {
                    final = .transient("\(why); still failing \(policy.pending.maxAge_ms / 3_600_000) h after it was created, given up",
                                       retryAfter_ms: wish)
                }
            }
            reports.append(.finished(DeliveryOutcome(notification: job.notification, delivered: delivered,
                                                     result: final, attempts: job.attempts, nextAttempt_ms: nextAttempt_ms)))
        }
        return (effects + startReady(now_ns: now_ns), reports)
    }

    private func unit() -> Double { Double(entropy.next64() >> 11) / Double(UInt64(1) << 53) }
}
