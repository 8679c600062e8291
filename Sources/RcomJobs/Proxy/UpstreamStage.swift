import RcomCore

/// Stage 3 (dispatch upstream): one keep-alive connection per account, at most. Starts for an
/// account go out on it in order, pipelined up to `upstreamPipelineDepthMax`; responses are
/// matched first-in first-out. A broken connection fails what it carried (→ 502) and the next
/// queued start reconnects. A connection that never opened carried nothing: its starts go back
/// to the front of the queue and the account reconnects after a backoff, up to
/// `upstreamConnectAttemptsMax` attempts in a row (then they fail). Accounts beyond
/// `upstreamConnectionsMax` wait for a slot.
struct UpstreamStage {
    private struct Lane {
        var connection: HTTPClientConnection<UpstreamJob>?
        var queue = FIFO<UpstreamJob>()
        var lastUsed_ns: Instant_ns = 0
        /// Connection attempts that failed in a row (reset when one opens).
        var connectFailures = 0
        /// Waiting out a backoff before the next connection attempt.
        var retryTimer: TimerID?
        /// After the connection attempts were spent: starts fail at once until then.
        var downUntil_ns: Instant_ns = 0
        var releaseTimer: TimerID?
        /// The job server closed this account's connection: connect to see whether it is still
        /// there (its callbacks are what waiting clients need), then close. The count is the
        /// probe connections that opened so far (nil: not probing). One is not proof: the
        /// listener of a job server being killed still completes handshakes for a moment
        /// (measured: a probe 0.3 ms after the close connected, and 50 waiting clients waited
        /// out the 10 s callback timeout instead of the 5 s grace), so a second probe after the
        /// backoff must open too.
        var probeOpened: Int?
        var probing: Bool { probeOpened != nil }
        var queued: Int { queue.count }
        var idle: Bool { queued == 0 && (connection?.inFlight.isEmpty ?? true) && retryTimer == nil && !probing }
    }

    let config: ProxyConfig
    private var lanes: [String: Lane] = [:]
    private var laneOf: [ConnectionID: String] = [:]
    private var waitingForSlot: [String] = []
    private var nextSerial: UInt64 = 0
    /// One "no answer" timer per connection with requests in flight; re-armed on each answer.
    /// Its ids have bit 62 set so they never collide with the correlate stage's timers.
    private var silenceTimers: [TimerID: ConnectionID] = [:]
    private var timerOf: [ConnectionID: TimerID] = [:]
    /// Backoff timers before an account's next connection attempt (same id space).
    private var retryTimers: [TimerID: String] = [:]
    /// Idle-release timers: an account's connection with nothing in flight is closed when one
    /// fires, so that another instance's starts for that account get the job server's handler.
    private var releaseTimers: [TimerID: String] = [:]
    /// Connection attempts made again after one that never opened (for /stats).
    private(set) var connectRetries = 0

    /// The start request's target and headers, the same for every start: made once.
    private let startTarget: String
    private let startHeaders: HTTPHeaders

    init(config: ProxyConfig) {
        self.config = config
        startTarget = config.upstreamStartTarget
        var headers = HTTPHeaders()
        headers.add("Host", config.upstream.hostHeader)
        headers.add("Content-Type", "application/json")
        headers.add("User-Agent", "rcom-proxy")
        startHeaders = headers
    }

    var connectionCount: Int { laneOf.count }
    var queuedCount: Int { lanes.values.reduce(0) { $0 + $1.queued } }
    func owns(_ id: ConnectionID) -> Bool { laneOf[id] != nil }
    func owns(_ timer: TimerID) -> Bool { silenceTimers[timer] != nil || retryTimers[timer] != nil || releaseTimers[timer] != nil }
    var armedTimers: Int { silenceTimers.count + retryTimers.count + releaseTimers.count }
    /// Connections released after idling `upstreamIdleRelease_ms` (for /stats).
    private(set) var idleReleases = 0

    /// A silence timer fired: the job server holds the connection but answers nothing.
    /// Reset it and fail what it carried with 504; queued work gets a fresh connection.
    /// A retry timer fired: the account's backoff is over, it connects again.
    mutating func timer(_ t: TimerID, now_ns: Instant_ns) -> (effects: [ReactorEffect], outcomes: [UpstreamOutcome]) {
        if let account = releaseTimers.removeValue(forKey: t) {
            lanes[account]?.releaseTimer = nil
            guard let lane = lanes[account], lane.idle, let c = lane.connection else { return ([], []) }
            idleReleases += 1
            laneOf[c.id] = nil
            lanes[account] = nil
            return ([.close(c.id)] + grantSlots(now_ns: now_ns), [])
        }
        if let account = retryTimers.removeValue(forKey: t) {
            lanes[account]?.retryTimer = nil
            return (pump(account, now_ns: now_ns) + grantSlots(now_ns: now_ns), [])
        }
        guard let id = silenceTimers.removeValue(forKey: t) else { return ([], []) }
        timerOf[id] = nil
        guard let account = laneOf.removeValue(forKey: id) else { return ([], []) }
        let reason = "the job server did not answer the start request within \(config.startTimeout_ms) ms"
        let failed = lanes[account]?.connection?.fail(reason: reason) ?? []
        lanes[account]?.connection = nil
        let timedOut = outcomes(failed, sent: false).map { o -> UpstreamOutcome in
            if case .failed(let purpose, let why) = o { return .timedOut(purpose, reason: why) }
            return o
        }
        return ([.reset(id)] + pump(account, now_ns: now_ns) + grantSlots(now_ns: now_ns), timedOut)
    }

    /// Arms, re-arms or cancels a connection's silence timer after its in-flight set changed.
    private mutating func watch(_ id: ConnectionID, inFlight: Int, progressed: Bool, now_ns: Instant_ns) -> [ReactorEffect] {
        if inFlight == 0 || laneOf[id] == nil {
            guard let t = timerOf.removeValue(forKey: id) else { return [] }
            silenceTimers[t] = nil
            return [.cancelTimer(t)]
        }
        if timerOf[id] != nil && !progressed { return [] }
        let t = timerOf[id] ?? {
            nextSerial += 1
            return TimerID(raw: ConnectionID.outboundBit | nextSerial)
        }()
        timerOf[id] = t
        silenceTimers[t] = id
        return [.setTimer(t, deadline_ns: now_ns + UInt64(config.startTimeout_ms) * 1_000_000)]
    }

    mutating func dispatch(_ job: UpstreamJob, now_ns: Instant_ns) -> (effects: [ReactorEffect], outcomes: [UpstreamOutcome]) {
        guard (lanes[job.account]?.queued ?? 0) < config.upstreamQueueMax else {
            let busy = HTTPResponse.error(503, "too many requests queued for account \(job.account.prefix(60)); retry later")
            return ([], [.rejected(job.purpose, busy)])
        }
        if let down = lanes[job.account]?.downUntil_ns, down > now_ns {
            return ([], [.failed(job.purpose, reason: "the job server refused \(config.upstreamConnectAttemptsMax) connections in a row moments ago")])
        }
        lanes[job.account, default: Lane()].queue.append(job)
        lanes[job.account]!.lastUsed_ns = now_ns
        return (pump(job.account, now_ns: now_ns) + releaseIfIdle(job.account, now_ns: now_ns), [])
    }

    /// Returns nil for events on connections that are not upstream connections.
    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> (effects: [ReactorEffect], outcomes: [UpstreamOutcome])? {
        switch event {
        case .connected(let id):
            guard let account = laneOf[id] else { return nil }
            lanes[account]!.connectFailures = 0
            if lanes[account]!.probing {
                if lanes[account]!.queued == 0 && lanes[account]!.connection!.inFlight.isEmpty {
                    // Nothing to send: the probe's connection goes either way.
                    laneOf[id] = nil
                    lanes[account]!.connection = nil
                    lanes[account]!.probeOpened! += 1
                    if lanes[account]!.probeOpened! < 2 {
                        return ([.close(id)] + armRetry(account, after_ms: config.upstreamConnectBackoff_ms, now_ns: now_ns), [])
                    }
                    // Opened twice, a backoff apart: the job server is there.
                    lanes[account]!.probeOpened = nil
                    if lanes[account]!.idle { lanes[account] = nil }
                    return ([.close(id)], [])
                }
                lanes[account]!.probeOpened = nil
            }
            return (lanes[account]!.connection!.connected(), [])
        case .received(let id, let bytes):
            guard let account = laneOf[id] else { return nil }
            return receive(account, id, bytes, now_ns: now_ns)
        case .readClosed(let id):
            guard let account = laneOf[id] else { return nil }
            return receive(account, id, nil, now_ns: now_ns)
        case .closed(let id, let reason), .connectFailed(let id, let reason):
            guard let account = laneOf.removeValue(forKey: id) else { return id.isOutbound ? ([], []) : nil }
            let cancel = watch(id, inFlight: 0, progressed: false, now_ns: now_ns)
            let neverOpened = lanes[account]?.connection?.phase == .connecting
            let failed = lanes[account]?.connection?.fail(reason: reason) ?? []
            lanes[account]?.connection = nil
            if neverOpened, let retry = retryLater(account, failed, now_ns: now_ns) {
                return (cancel + retry + grantSlots(now_ns: now_ns), [])
            }
            var found = outcomes(failed, sent: !neverOpened)
            if neverOpened {
                // The attempts are spent: the account is down for a moment, so the next starts
                // fail at once instead of each waiting out the backoff again.
                lanes[account]?.downUntil_ns = now_ns + UInt64(config.upstreamDownHold_ms) * 1_000_000
                if lanes[account]?.probing == true {
                    lanes[account]?.probeOpened = nil
                    found.append(.unreachable(reason: reason))
                }
            } else {
                // The job server closed or reset an open connection: is it still there?
                lanes[account]?.probeOpened = 0
            }
            lanes[account]?.connectFailures = 0
            return (cancel + pump(account, now_ns: now_ns) + grantSlots(now_ns: now_ns), found)
        default:
            return nil
        }
    }

    private mutating func receive(_ account: String, _ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> (effects: [ReactorEffect], outcomes: [UpstreamOutcome]) {
        let results = lanes[account]!.connection!.receive(bytes)
        lanes[account]!.lastUsed_ns = now_ns
        var effects: [ReactorEffect] = []
        let c = lanes[account]!.connection!
        if !c.canSend && c.inFlight.isEmpty {
            // Server closed or said Connection: close: retire it; queued work reconnects.
            effects.append(.close(id))
            laneOf[id] = nil
            lanes[account]!.connection = nil
            // Closed by the server itself (not a Connection: close answer): probe it.
            if bytes == nil {
                lanes[account]!.probeOpened = 0
            }
        }
        effects += watch(id, inFlight: c.inFlight.count, progressed: !results.isEmpty, now_ns: now_ns)
        effects += pump(account, now_ns: now_ns)
        effects += grantSlots(now_ns: now_ns)
        effects += releaseIfIdle(account, now_ns: now_ns)
        return (effects, outcomes(results, sent: true))
    }

    /// A connection attempt failed before it opened: nothing it carried was sent. Puts those
    /// starts back in front of the queue and arms the backoff; nil once the attempts are spent.
    private mutating func retryLater(_ account: String, _ failed: [HTTPClientConnection<UpstreamJob>.Outcome],
                                     now_ns: Instant_ns) -> [ReactorEffect]? {
        // Taken out of the table while its queue is edited (uniquely referenced: no copy).
        guard var lane = lanes.removeValue(forKey: account) else { return nil }
        lane.connectFailures += 1
        let failures = lane.connectFailures
        if failures < config.upstreamConnectAttemptsMax {
            for case .failed(let jobs, _) in failed { lane.queue.prepend(contentsOf: jobs) }
        }
        lanes[account] = lane
        guard failures < config.upstreamConnectAttemptsMax else { return nil }
        connectRetries += 1
        return armRetry(account, after_ms: config.upstreamConnectBackoff_ms << min(failures - 1, 16), now_ns: now_ns)
    }

    /// The account's next connection attempt, `after_ms` from now (a backoff, or a probe's second look).
    private mutating func armRetry(_ account: String, after_ms: Int64, now_ns: Instant_ns) -> [ReactorEffect] {
        nextSerial += 1
        let t = TimerID(raw: ConnectionID.outboundBit | nextSerial)
        lanes[account]!.retryTimer = t
        retryTimers[t] = account
        return [.setTimer(t, deadline_ns: now_ns + UInt64(after_ms) * 1_000_000)]
    }

    /// `sent`: the connection had opened, so what it carried was written and may have started.
    private func outcomes(_ list: [HTTPClientConnection<UpstreamJob>.Outcome], sent: Bool) -> [UpstreamOutcome] {
        list.flatMap { o -> [UpstreamOutcome] in
            switch o {
            case .response(let job, let r):
                return [(200...299).contains(r.status) ? .accepted(job.purpose, r, sent_ns: job.sent_ns) : .rejected(job.purpose, r)]
            case .failed(let jobs, let reason):
                return jobs.map { sent ? .ambiguous($0.purpose, reason: reason) : .failed($0.purpose, reason: reason) }
            }
        }
    }

    /// Sends as much of the account's queue as the pipeline depth allows, connecting if needed.
    private mutating func pump(_ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        // Taken out of the table while edited, so its arrays are uniquely referenced (no copy).
        guard var lane = lanes.removeValue(forKey: account) else { return [] }
        var effects: [ReactorEffect] = []
        if lane.connection == nil || lane.connection?.canSend == false {
            guard lane.queued > 0 || lane.probing, lane.connection == nil, lane.retryTimer == nil else {
                lanes[account] = lane
                return []
            }
            guard laneOf.count < config.upstreamConnectionsMax || evictIdle(except: account, into: &effects) else {
                if !waitingForSlot.contains(account) { waitingForSlot.append(account) }
                lanes[account] = lane
                return effects
            }
            nextSerial += 1
            let c = HTTPClientConnection<UpstreamJob>(id: .outbound(nextSerial), url: config.upstream, limits: config.limits)
            laneOf[c.id] = account
            effects.append(c.connectEffect)
            lane.connection = c
        }
        while lane.connection!.inFlight.count < config.upstreamPipelineDepthMax, var job = lane.queue.popFirst() {
            job.sent_ns = now_ns
            effects += lane.connection!.send(request(job), tag: job)
        }
        if let c = lane.connection {
            effects += watch(c.id, inFlight: c.inFlight.count, progressed: false, now_ns: now_ns)
        }
        lanes[account] = lane
        if lane.idle && lane.connection == nil { lanes[account] = nil }
        return effects
    }

    /// With `upstreamIdleRelease_ms` set, an idle account's connection gets a release timer;
    /// one that has work again has its timer cancelled.
    private mutating func releaseIfIdle(_ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        guard config.upstreamIdleRelease_ms > 0, let lane = lanes[account], lane.connection != nil else { return [] }
        if lane.idle {
            guard lane.releaseTimer == nil else { return [] }
            nextSerial += 1
            let t = TimerID(raw: ConnectionID.outboundBit | nextSerial)
            lanes[account]!.releaseTimer = t
            releaseTimers[t] = account
            return [.setTimer(t, deadline_ns: now_ns + UInt64(config.upstreamIdleRelease_ms) * 1_000_000)]
        }
        guard let t = lane.releaseTimer else { return [] }
        lanes[account]!.releaseTimer = nil
        releaseTimers[t] = nil
        return [.cancelTimer(t)]
    }

    /// Frees the least recently used idle account's connection; false if none is idle.
    private mutating func evictIdle(except account: String, into effects: inout [ReactorEffect]) -> Bool {
        let candidates = laneOf.compactMap { (id, acc) -> (Instant_ns, String, ConnectionID)? in
            guard acc != account, let lane = lanes[acc], lane.idle else { return nil }
            return (lane.lastUsed_ns, acc, id)
        }
        guard let victim = candidates.min(by: { ($0.0, $0.1) < ($1.0, $1.1) }) else { return false }
        effects.append(.close(victim.2))
        if let t = lanes[victim.1]?.releaseTimer {
            releaseTimers[t] = nil
            effects.append(.cancelTimer(t))
        }
        laneOf[victim.2] = nil
        lanes[victim.1] = nil
        return true
    }

    private mutating func grantSlots(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        while !waitingForSlot.isEmpty {
            var scratch: [ReactorEffect] = []
            guard laneOf.count < config.upstreamConnectionsMax || evictIdle(except: waitingForSlot[0], into: &scratch) else { break }
            let account = waitingForSlot.removeFirst()
            effects += scratch + pump(account, now_ns: now_ns)
        }
        return effects
    }

    private func request(_ job: UpstreamJob) -> HTTPRequest {
        HTTPRequest(method: "POST", target: startTarget, headers: startHeaders, body: job.body)
    }
}
