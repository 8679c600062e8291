import RcomCore

/// The upstream stage's connections: sending a lane's queue, the silence and idle-release
/// timers, and the connection slots (`upstreamConnectionsMax`) shared by all accounts.
extension UpstreamStage {
    /// Sends as much of the account's queue as its pipeline window allows, connecting if the
    /// lane wants a connection (queued starts, or a probe) and a slot is free.
    mutating func pump(_ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        // Taken out of the table while edited, so its arrays are uniquely referenced (no copy).
        guard var lane = lanes.removeValue(forKey: account) else { return [] }
        var effects: [ReactorEffect] = []
        var wants: UpstreamLane.Attempts?
        switch lane.phase {
        case .idle where !lane.queue.isEmpty: wants = UpstreamLane.Attempts()
        case .waiting(let attempts): wants = attempts
        default: break
        }
        if let attempts = wants {
            guard laneOf.count < config.upstreamConnectionsMax || evictIdle(except: account, into: &effects) else {
                if !waitingForSlot.contains(account) { waitingForSlot.append(account) }
                lane.phase = .waiting(attempts)
                lanes[account] = lane
                return effects
            }
            nextSerial += 1
            let c = HTTPClientConnection<UpstreamJob>(id: .outbound(nextSerial), url: config.upstream, limits: config.limits)
            laneOf[c.id] = account
            effects.append(c.connectEffect)
            lane.phase = .connecting(UpstreamLane.Link(connection: c), attempts)
        }
        // The link out of the lane while edited, so its buffers are uniquely referenced (no copy).
        switch lane.phase {
        case .connecting(var link, let attempts):
            lane.phase = .idle
            effects += send(&lane.queue, on: &link, window: lane.window.size, account, now_ns: now_ns)
            lane.phase = .connecting(link, attempts)
        case .open(var link):
            lane.phase = .idle
            effects += send(&lane.queue, on: &link, window: lane.window.size, account, now_ns: now_ns)
            lane.phase = .open(link)
        default:
            break
        }
        if !lane.isForgettable { lanes[account] = lane }
        return effects
    }

    /// Writes queued starts until `window` are in flight; the rest stay queued (never written,
    /// so a break of this connection cannot make them ambiguous).
    private mutating func send(_ queue: inout FIFO<UpstreamJob>, on link: inout UpstreamLane.Link, window: Int,
                               _ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        guard link.connection.canSend else { return [] }
        var effects: [ReactorEffect] = []
        while link.inFlight < window, var job = queue.popFirst() {
            job.sent_ns = now_ns
            effects += link.connection.send(request(job), tag: job)
        }
        return effects + watch(&link, account, progressed: false, now_ns: now_ns)
    }

    /// Arms, re-arms or cancels a connection's silence timer after its in-flight set changed.
    mutating func watch(_ link: inout UpstreamLane.Link, _ account: String, progressed: Bool, now_ns: Instant_ns) -> [ReactorEffect] {
        if link.inFlight == 0 {
            guard let t = link.silence else { return [] }
            link.silence = nil
            timers[t] = nil
            return [.cancelTimer(t)]
        }
        if link.silence != nil && !progressed { return [] }
        let t = link.silence ?? newTimer(account, .silence(link.id))
        link.silence = t
        return [.setTimer(t, deadline_ns: now_ns + UInt64(config.startTimeout_ms) * 1_000_000)]
    }

    /// With `upstreamIdleRelease_ms` set, an idle account's connection gets a release timer;
    /// one that has work again has its timer cancelled.
    mutating func releaseIfIdle(_ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        guard config.upstreamIdleRelease_ms > 0, let lane = lanes[account], case .open(var link) = lane.phase else { return [] }
        var effects: [ReactorEffect] = []
        if lane.isIdleOpen {
            guard link.release == nil else { return [] }
            let t = newTimer(account, .release)
            link.release = t
            effects.append(.setTimer(t, deadline_ns: now_ns + UInt64(config.upstreamIdleRelease_ms) * 1_000_000))
        } else {
            guard let t = link.release else { return [] }
            link.release = nil
            timers[t] = nil
            effects.append(.cancelTimer(t))
        }
        lanes[account]!.phase = .open(link)
        return effects
    }

    /// Frees the least recently used idle account's connection; false if none is idle.
    mutating func evictIdle(except account: String, into effects: inout [ReactorEffect]) -> Bool {
        let candidates = laneOf.compactMap { (id, acc) -> (Instant_ns, String, ConnectionID)? in
            guard acc != account, let lane = lanes[acc], lane.isIdleOpen else { return nil }
            return (lane.lastUsed_ns, acc, id)
        }
        guard let victim = candidates.min(by: { ($0.0, $0.1) < ($1.0, $1.1) }) else { return false }
        effects.append(.close(victim.2))
        if let t = lanes[victim.1]?.link?.release {
            timers[t] = nil
            effects.append(.cancelTimer(t))
        }
        laneOf[victim.2] = nil
        forget(victim.1)
        return true
    }

    mutating func grantSlots(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        while !waitingForSlot.isEmpty {
            var scratch: [ReactorEffect] = []
            guard laneOf.count < config.upstreamConnectionsMax || evictIdle(except: waitingForSlot[0], into: &scratch) else { break }
            let account = waitingForSlot.removeFirst()
            effects += scratch + pump(account, now_ns: now_ns)
        }
        return effects
    }

    func request(_ job: UpstreamJob) -> HTTPRequest {
        var r = HTTPRequest(method: "POST", target: startTarget, headers: startHeaders, body: job.body)
        if let trace = job.trace { trace.inject(into: &r.headers) }  // traced jobs only: untraced share the headers
        return r
    }
}
