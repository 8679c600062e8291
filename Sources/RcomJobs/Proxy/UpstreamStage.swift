import RcomCore

/// Stage 3 (dispatch upstream): one keep-alive connection per account, at most. Starts for an
/// account go out on it in order, pipelined up to the account's window (`PipelineWindow`:
/// one at a time at first and after a connection broke with starts in flight, growing back to
/// `upstreamPipelineDepthMax` as starts are answered);
/// responses are matched first-in first-out. A broken connection fails what it carried (→ 502)
/// and the next queued start reconnects. A connection that never opened carried nothing: its starts go back
/// to the front of the queue and the account reconnects after a backoff, up to
/// `upstreamConnectAttemptsMax` attempts in a row (then they fail). Accounts beyond
/// `upstreamConnectionsMax` wait for a slot.
///
/// Each account's state is one `UpstreamLane` (a queue and one phase); every input for a lane
/// goes through `step`, the one transition function.
struct UpstreamStage {
    typealias Step = (effects: [ReactorEffect], outcomes: [UpstreamOutcome])

    /// What a timer of this stage is for. Its ids have `ProxyOwner.upstreamTimerBit` set: that
    /// bit is how the pipeline routes them here.
    enum TimerPurpose {
        /// The job server holds the connection but answers nothing.
        case silence(ConnectionID)
        /// A backoff (or a probe's second look) is over.
        case retry
        /// The account's connection idled `upstreamIdleRelease_ms`: it is closed, so that another
        /// instance's starts for that account get the job server's handler.
        case release
    }

    /// One input for one lane.
    enum LaneInput {
        case dispatched(UpstreamJob)
        case connected(ConnectionID)
        /// Bytes, or nil for end of stream.
        case received(ConnectionID, [UInt8]?)
        /// Closed, reset, or the connection attempt failed.
        case broke(ConnectionID, reason: String)
        case timer(TimerPurpose)
    }

    let config: ProxyConfig
    var lanes: [String: UpstreamLane] = [:]
    var laneOf: [ConnectionID: String] = [:]
    /// Every armed timer of every lane (the lane holds the same id in its phase).
    var timers: [TimerID: (account: String, purpose: TimerPurpose)] = [:]
    var waitingForSlot: [String] = []
    var nextSerial: UInt64 = 0
    /// Starts answered in a row, on every account's connection, since one broke with starts in
    /// flight: the evidence `PipelineWindow` waits for before pipelining.
    private(set) var cleanStreak = 0
    var proven: Bool { cleanStreak >= config.upstreamPipelineProbation }
    /// Connection attempts made again after one that never opened (for /stats).
    private(set) var connectRetries = 0
    /// Connections released after idling `upstreamIdleRelease_ms` (for /stats).
    private(set) var idleReleases = 0

    /// The start request's target and headers, the same for every start: made once.
    let startTarget: String
    let startHeaders: HTTPHeaders

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
    var queuedCount: Int { lanes.values.reduce(0) { $0 + $1.queue.count } }
    var armedTimers: Int { timers.count }
    /// Whether `timer` is armed by a lane (tests; the pipeline routes timers by `ProxyOwner`).
    func isArmed(_ timer: TimerID) -> Bool { timers[timer] != nil }

    // MARK: inputs

    mutating func dispatch(_ job: UpstreamJob, now_ns: Instant_ns) -> Step {
        step(job.account, .dispatched(job), now_ns: now_ns)
    }

    mutating func timer(_ t: TimerID, now_ns: Instant_ns) -> Step {
        guard let (account, purpose) = timers.removeValue(forKey: t) else { return ([], []) }
        return step(account, .timer(purpose), now_ns: now_ns)
    }

    /// An event on an outbound connection (`ProxyOwner.upstream`). One no lane holds any more
    /// (closed by us, released) is ignored.
    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> Step {
        switch event {
        case .connected(let id):
            guard let account = laneOf[id] else { return ([], []) }
            return step(account, .connected(id), now_ns: now_ns)
        case .received(let id, let bytes):
            guard let account = laneOf[id] else { return ([], []) }
            return step(account, .received(id, bytes), now_ns: now_ns)
        case .readClosed(let id):
            guard let account = laneOf[id] else { return ([], []) }
            return step(account, .received(id, nil), now_ns: now_ns)
        case .closed(let id, let reason), .connectFailed(let id, let reason):
            guard let account = laneOf[id] else { return ([], []) }
            return step(account, .broke(id, reason: reason), now_ns: now_ns)
        default:
            return ([], [])
        }
    }

    // MARK: the transition function

    /// Every change of a lane's phase happens here.
    mutating func step(_ account: String, _ input: LaneInput, now_ns: Instant_ns) -> Step {
        switch input {
        case .dispatched(let job):
            guard (lanes[account]?.queue.count ?? 0) < config.upstreamQueueMax else {
                let busy = HTTPResponse.error(503, "too many requests queued for account \(account.prefix(60)); retry later")
                return ([], [.rejected(job.purpose, busy)])
            }
            if case .down(let until)? = lanes[account]?.phase {
                guard until <= now_ns else {
                    return ([], [.failed(job.purpose, reason: "the job server refused \(config.upstreamConnectAttemptsMax) connections in a row moments ago")])
                }
                lanes[account]!.phase = .idle
            }
            let fresh = UpstreamLane(window: PipelineWindow(max: config.upstreamPipelineDepthMax,
                                                            probation: config.upstreamPipelineProbation, proven: proven))
            lanes[account, default: fresh].queue.append(job)
            lanes[account]!.lastUsed_ns = now_ns
            return (pump(account, now_ns: now_ns) + releaseIfIdle(account, now_ns: now_ns), [])

        case .connected(let id):
            guard case .connecting(var link, var attempts)? = lanes[account]?.phase, link.id == id else { return ([], []) }
            // Out of the lane while edited, so its buffers are uniquely referenced (no copy).
            lanes[account]!.phase = .idle
            if let opened = attempts.probesOpened, link.inFlight == 0, lanes[account]!.queue.isEmpty {
                // A probe with nothing to send: its connection goes either way.
                laneOf[id] = nil
                guard opened >= 1 else {
                    attempts = UpstreamLane.Attempts(failed: 0, probesOpened: opened + 1)
                    return ([.close(id)] + backOff(account, attempts, after_ms: config.upstreamConnectBackoff_ms, now_ns: now_ns), [])
                }
                // Opened twice, a backoff apart: the job server is there.
                forget(account)
                return ([.close(id)], [])
            }
            let writes = link.connection.connected()
            lanes[account]!.phase = .open(link)
            return (writes, [])

        case .received(let id, let bytes):
            guard case .open(var link)? = lanes[account]?.phase, link.id == id else { return ([], []) }
            lanes[account]!.phase = .idle  // out of the lane while edited (no copy); set again below
            let results = link.connection.receive(bytes)
            lanes[account]!.lastUsed_ns = now_ns
            for result in results {
                switch result {
                case .response:
                    // Counted up to the probation only: past it, more says nothing more.
                    if cleanStreak < config.upstreamPipelineProbation { cleanStreak += 1 }
                    lanes[account]!.window.answered(proven: proven)
                case .failed:
                    cleanStreak = 0
                    lanes[account]!.window.broke()
                }
            }
            var effects: [ReactorEffect] = []
            if !link.connection.canSend && link.inFlight == 0 {
                // Server closed or said Connection: close: retire it; queued work reconnects.
                // Closed by the server itself (not a Connection: close answer): probe it.
                effects.append(.close(id))
                effects += retire(&link)
                lanes[account]!.phase = bytes == nil ? .waiting(UpstreamLane.Attempts(probesOpened: 0)) : .idle
            } else {
                effects += watch(&link, account, progressed: !results.isEmpty, now_ns: now_ns)
                lanes[account]!.phase = .open(link)
            }
            effects += pump(account, now_ns: now_ns)
            effects += grantSlots(now_ns: now_ns)
            effects += releaseIfIdle(account, now_ns: now_ns)
            return (effects, outcomes(results, sent: true))

        case .broke(let id, let reason):
            guard var link = lanes[account]?.link, link.id == id else { return ([], []) }
            var neverOpened: UpstreamLane.Attempts?
            if case .connecting(_, let attempts) = lanes[account]!.phase { neverOpened = attempts }
            lanes[account]!.phase = .idle  // out of the lane while edited (no copy); set again below
            let cancel = retire(&link)
            let failed = link.connection.fail(reason: reason)
            guard var attempts = neverOpened else {
                // The job server closed or reset an open connection: is it still there? What it
                // carried is ambiguous, and the next connection carries one start at a time.
                if !failed.isEmpty {
                    cleanStreak = 0
                    lanes[account]!.window.broke()
                }
                lanes[account]!.phase = .waiting(UpstreamLane.Attempts(probesOpened: 0))
                return (cancel + pump(account, now_ns: now_ns) + grantSlots(now_ns: now_ns), outcomes(failed, sent: true))
            }
            // It never opened: nothing it carried was sent.
            attempts.failed += 1
            if attempts.failed < config.upstreamConnectAttemptsMax {
                for case .failed(let jobs, _) in failed { lanes[account]!.queue.prepend(contentsOf: jobs) }
                connectRetries += 1
                let wait = config.upstreamConnectBackoff_ms << min(attempts.failed - 1, 16)
                return (cancel + backOff(account, attempts, after_ms: wait, now_ns: now_ns) + grantSlots(now_ns: now_ns), [])
            }
            // The attempts are spent: the account is down for a moment, so its starts fail at
            // once (the queued ones too) instead of each waiting out the backoff again.
            var found = outcomes(failed, sent: false)
            while let job = lanes[account]!.queue.popFirst() { found.append(.failed(job.purpose, reason: reason)) }
            lanes[account]!.phase = .down(until_ns: now_ns + UInt64(config.upstreamDownHold_ms) * 1_000_000)
            if attempts.probesOpened != nil { found.append(.unreachable(reason: reason)) }
            return (cancel + grantSlots(now_ns: now_ns), found)

        case .timer(.silence(let id)):
            // The job server holds the connection but answers nothing: reset it and fail what
            // it carried with 504; queued work gets a fresh connection.
            guard var link = lanes[account]?.link, link.id == id else { return ([], []) }
            lanes[account]!.phase = .idle  // out of the lane while edited (no copy)
            link.silence = nil
            let cancel = retire(&link)
            let reason = "the job server did not answer the start request within \(config.startTimeout_ms) ms"
            let timedOut = outcomes(link.connection.fail(reason: reason), sent: false).map { o -> UpstreamOutcome in
                if case .failed(let purpose, let why) = o { return .timedOut(purpose, reason: why) }
                return o
            }
            cleanStreak = 0
            lanes[account]!.window.broke()
            lanes[account]!.phase = .idle
            return ([.reset(id)] + cancel + pump(account, now_ns: now_ns) + grantSlots(now_ns: now_ns), timedOut)

        case .timer(.retry):
            guard case .backingOff(_, let attempts)? = lanes[account]?.phase else { return ([], []) }
            lanes[account]!.phase = .waiting(attempts)
            return (pump(account, now_ns: now_ns) + grantSlots(now_ns: now_ns), [])

        case .timer(.release):
            guard var lane = lanes[account], case .open(var link) = lane.phase else { return ([], []) }
            link.release = nil
            lane.phase = .open(link)
            lanes[account] = lane
            guard lane.isIdleOpen else { return ([], []) }
            idleReleases += 1
            laneOf[link.id] = nil
            forget(account)
            return ([.close(link.id)] + grantSlots(now_ns: now_ns), [])
        }
    }

    /// The lane has no connection left: it goes idle, and is forgotten if nothing is queued.
    mutating func forget(_ account: String) {
        lanes[account]?.phase = .idle
        if lanes[account]?.isForgettable == true { lanes[account] = nil }
    }

    /// Takes a connection out of the tables and cancels its timers (its lane's phase is set by the caller).
    private mutating func retire(_ link: inout UpstreamLane.Link) -> [ReactorEffect] {
        laneOf[link.id] = nil
        var effects: [ReactorEffect] = []
        for t in [link.silence, link.release].compactMap({ $0 }) {
            timers[t] = nil
            effects.append(.cancelTimer(t))
        }
        link.silence = nil
        link.release = nil
        return effects
    }

    /// The lane waits `after_ms` before its next connection attempt.
    private mutating func backOff(_ account: String, _ attempts: UpstreamLane.Attempts, after_ms: Int64, now_ns: Instant_ns) -> [ReactorEffect] {
        let t = newTimer(account, .retry)
        lanes[account]!.phase = .backingOff(t, attempts)
        return [.setTimer(t, deadline_ns: now_ns + UInt64(after_ms) * 1_000_000)]
    }

    mutating func newTimer(_ account: String, _ purpose: TimerPurpose) -> TimerID {
        nextSerial += 1
        let t = TimerID(raw: ProxyOwner.upstreamTimerBit | nextSerial)
        timers[t] = (account, purpose)
        return t
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
}
