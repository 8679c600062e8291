/// Every inbound connection of one server, each an `HTTPServerConnection`, turned into reactor
/// effects; plus what needs to see them all: request and idle timeouts, the client connection
/// budget, and closing idle connections when the server drains. Pure: time comes in as `now_ns`.
public struct HTTPServerTable {
    private struct Due {
        let deadline_ns: Instant_ns
        let id: ConnectionID
    }

    public let limits: HTTPLimits
    public let timeouts: HTTPServerTimeouts
    /// Inbound connections allowed at once; past it the oldest idle or half-sent one is closed.
    /// When every open one is being served, up to `overLimitMax` more are admitted marked
    /// "over the limit" (the server decides what they may do: the proxy lets them carry only
    /// callbacks, which the waiting clients need); past that the newcomer is answered 503.
    public let connectionsMax: Int
    public let overLimitMax: Int
    /// Owned by this table; a pipeline hands `.timer` events with this ID to `timer(now_ns:)`.
    public let timerID: TimerID
    /// Names the server in the 503 at the connection budget ("proxy at its connection limit").
    public var serverName = "proxy"
    public private(set) var counters = Counters()

    private var entries: [ConnectionID: Entry] = [:]
    /// Deadlines in arrival order; each timeout is one length, so each queue is sorted.
    /// Entries whose connection moved on are skipped when they reach the front (bounded by
    /// the phase changes of one timeout length).
    private var requestDue = FIFO<Due>()
    private var idleDue = FIFO<Due>()
    private var armed_ns: Instant_ns?
    private var overLimitCount = 0

    public init(limits: HTTPLimits, timeouts: HTTPServerTimeouts, connectionsMax: Int, overLimitMax: Int = 0, timerID: TimerID) {
        self.limits = limits
        self.timeouts = timeouts
        self.connectionsMax = connectionsMax
        self.overLimitMax = overLimitMax
        self.timerID = timerID
    }

    public var count: Int { entries.count }
    /// Requests read on any connection and not answered yet (a drain is over when this is 0).
    public private(set) var outstanding = 0
    public func knows(_ id: ConnectionID) -> Bool { entries.index(forKey: id) != nil }
    public func state(_ id: ConnectionID) -> HTTPServerConnection.State? {
        entries.index(forKey: id).map { entries.values[$0].connection.state }
    }
    /// Admitted past `connectionsMax` (see `overLimitMax`). Asked per job: with none admitted
    /// over the limit (the usual case) it costs no look-up.
    public func isOverLimit(_ id: ConnectionID) -> Bool {
        guard overLimitCount > 0, let i = entries.index(forKey: id) else { return false }
        return entries.values[i].overLimit
    }
    /// The listener the connection was accepted on (nil: not one of this table's).
    public func listener(of id: ConnectionID) -> Int? { entries.index(forKey: id).map { entries.values[$0].listener } }

    /// A new connection. At the budget, room is made first (or the newcomer is refused).
    public mutating func accepted(_ id: ConnectionID, listener: Int = 0, now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        var overLimit = false
        if entries.count >= connectionsMax {
            if let victim = oldestUnserved(now_ns: now_ns) {
                counters.evicted += 1
                effects += close(victim, status: entries[victim]!.connection.state == .idle ? nil : 503,
                                 "connection closed to admit another at the connection limit", now_ns: now_ns)
            } else if overLimitCount < overLimitMax {
                overLimit = true
            } else {
                counters.refusedAtLimit += 1
                var refused = HTTPServerConnection(limits: limits)
                refused.refuse(503, "\(serverName) at its connection limit (\(connectionsMax) clients); retry later")
                return [.write(id, refused.takeOutput().bytes), .close(id)]
            }
        }
        entries[id] = Entry(connection: HTTPServerConnection(limits: limits), overLimit: overLimit, listener: listener)
        if overLimit { overLimitCount += 1 }
        retime(entries.index(forKey: id)!, now_ns: now_ns)
        if let timer = arm(now_ns: now_ns) { effects.append(timer) }
        return effects
    }

    /// Bytes from a connection (nil: the peer finished sending). Returns the requests it
    /// completed, in order, and the effects (interim and error responses, closes).
    public mutating func received(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> (requests: [(RequestRef, HTTPRequest)], effects: [ReactorEffect]) {
        var effects: [ReactorEffect] = []
        let requests = received(id, bytes, now_ns: now_ns, into: &effects)
        return (requests, effects)
    }

    /// The same, the effects appended to `effects` (a pipeline's array for the event: one
    /// array fewer per call).
    public mutating func received(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns,
                                  into effects: inout [ReactorEffect]) -> [(RequestRef, HTTPRequest)] {
        guard let i = entries.index(forKey: id) else { return [] }
        if let bytes { entries.values[i].connection.receive(bytes) } else { entries.values[i].connection.receiveEOF() }
        var requests: [(RequestRef, HTTPRequest)] = []
        reading: while true {
            switch entries.values[i].connection.next() {
            case .request(let sequence, let request):
                requests.append((RequestRef(connection: id, sequence: sequence), request))
            case .needData:
                break reading
            case .readingDone:
                break reading
            }
        }
        if entries.values[i].countMalformed() { counters.malformed += 1 }
        flush(i, now_ns: now_ns, into: &effects)
        return requests
    }

    public mutating func respond(_ ref: RequestRef, _ response: HTTPResponse, now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        respond(ref, response, now_ns: now_ns, into: &effects)
        return effects
    }

    /// The same, the effects appended to `effects`.
    public mutating func respond(_ ref: RequestRef, _ response: HTTPResponse, now_ns: Instant_ns, into effects: inout [ReactorEffect]) {
        guard let i = entries.index(forKey: ref.connection) else { return }
        entries.values[i].connection.respond(ref.sequence, response)
        flush(i, now_ns: now_ns, into: &effects)
    }

    /// The reactor says the connection is gone; forget it.
    /// The reactor says the connection is gone; forget it. When the last one goes, the table's
    /// timer is cancelled (nothing is left to time out), so a quiet server holds no timer.
    @discardableResult
    public mutating func closed(_ id: ConnectionID) -> [ReactorEffect] {
        guard let e = entries.removeValue(forKey: id) else { return [] }
        outstanding -= e.outstanding
        if e.overLimit { overLimitCount -= 1 }
        guard entries.isEmpty, armed_ns != nil else { return [] }
        armed_ns = nil
        requestDue.removeAll()
        idleDue.removeAll()
        return [.cancelTimer(timerID)]
    }

    /// Drain: connections being served read no more and close after their last answer. Idle
    /// ones are left open: closing one races with a request already on its way (the kernel
    /// then answers it with a reset); the server answers whatever comes with `Connection:
    /// close`, and the rest close with the process. One still receiving a request keeps it (it
    /// may be a callback the drain waits for). In connection order, so effects replay alike.
    public mutating func stopReadingServed(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        for id in entries.keys.sorted() where entries[id]!.connection.state == .awaitingResponse {
            let i = entries.index(forKey: id)!
            entries.values[i].connection.stopReading()
            flush(i, now_ns: now_ns, into: &effects)
        }
        return effects
    }

    /// The table's timer fired: time out what is due, then arm for the next.
    public mutating func timer(now_ns: Instant_ns) -> [ReactorEffect] {
        armed_ns = nil
        var effects: [ReactorEffect] = []
        while let due = requestDue.first, due.deadline_ns <= now_ns {
            _ = requestDue.popFirst()
            guard isCurrent(due, .request) else { continue }
            counters.requestTimeouts += 1
            effects += close(due.id, status: 408, "request not complete within \(timeouts.request_ms) ms", now_ns: now_ns)
        }
        while let due = idleDue.first, due.deadline_ns <= now_ns {
            _ = idleDue.popFirst()
            guard isCurrent(due, .idle) else { continue }
            counters.idleTimeouts += 1
            effects += close(due.id, status: nil, "", now_ns: now_ns)
        }
        if let timer = arm(now_ns: now_ns) { effects.append(timer) }
        return effects
    }

    // MARK: - Inside

    private mutating func isCurrent(_ due: Due, _ timed: Timed) -> Bool {
        guard let i = entries.index(forKey: due.id) else { return false }
        return modify(i) { $0.timed == timed && $0.deadline_ns == due.deadline_ns }
    }

    /// Answers `status` (or nothing, for an idle connection) and closes.
    private mutating func close(_ id: ConnectionID, status: Int?, _ message: String, now_ns: Instant_ns) -> [ReactorEffect] {
        let i = entries.index(forKey: id)!
        if let status { entries.values[i].connection.refuse(status, message) } else { entries.values[i].connection.stopReading() }
        var effects: [ReactorEffect] = []
        flush(i, now_ns: now_ns, into: &effects)
        return effects
    }

    /// The connection that has waited longest idle or half-sent, if any.
    private mutating func oldestUnserved(now_ns: Instant_ns) -> ConnectionID? {
        while let due = requestDue.first, !isCurrent(due, .request) { _ = requestDue.popFirst() }
        while let due = idleDue.first, !isCurrent(due, .idle) { _ = idleDue.popFirst() }
        let request = requestDue.first.map { (since: $0.deadline_ns &- UInt64(timeouts.request_ms) * 1_000_000, id: $0.id) }
        let idle = idleDue.first.map { (since: $0.deadline_ns &- UInt64(timeouts.idle_ms) * 1_000_000, id: $0.id) }
        let oldest: (since: Instant_ns, id: ConnectionID)?
        switch (request, idle) {
        case let (r?, i?): oldest = r.since <= i.since ? r : i
        case let (r?, nil): oldest = r
        case let (nil, i?): oldest = i
        case (nil, nil): oldest = nil
        }
        guard let o = oldest, o.since &+ UInt64(max(0, timeouts.evictableAfter_ms)) * 1_000_000 <= now_ns else { return nil }
        return o.id
    }

    /// `i` is the connection's place in `entries` (one hash per call instead of one per field:
    /// reading `entries[id]!.field` also copied the whole entry out and released it).
    ///
    /// Every read of an entry goes through `modify` (the dictionary's `_modify`, in place): a
    /// read through `entries.values[i]`'s getter copied the whole entry (decoder buffers, slots,
    /// output: a retain and a release each) for one field; measured 4-5 % of the proxy's user CPU.
    private mutating func flush(_ i: Dictionary<ConnectionID, Entry>.Index, now_ns: Instant_ns, into effects: inout [ReactorEffect]) {
        let id = entries.keys[i]
        let (out, delta) = modify(i) { e -> (HTTPServerConnection.Output, Int) in
            let out = e.connection.takeOutput()
            let pending = out.close ? 0 : e.connection.outstanding
            let delta = pending - e.outstanding
            e.outstanding = pending
            if out.close { e.timed = nil }
            return (out, delta)
        }
        outstanding += delta
        if !out.bytes.isEmpty { effects.append(.write(id, out.bytes)) }
        if out.close {
            effects.append(.close(id))
            return
        }
        retime(i, now_ns: now_ns)
        if let timer = arm(now_ns: now_ns) { effects.append(timer) }
    }

    /// Starts the clock of the phase the connection is in now, unless it was already in it.
    private mutating func retime(_ i: Dictionary<ConnectionID, Entry>.Index, now_ns: Instant_ns) {
        let id = entries.keys[i]
        let request_ns = UInt64(max(0, timeouts.request_ms)) * 1_000_000, idle_ns = UInt64(max(0, timeouts.idle_ms)) * 1_000_000
        let started: (Timed, Instant_ns)? = modify(i) { e in
            let wanted = e.wantedTimeout
            guard wanted != e.timed else { return nil }
            e.timed = wanted
            guard let wanted else { return nil }
            e.deadline_ns = now_ns + (wanted == .request ? request_ns : idle_ns)
            return (wanted, e.deadline_ns)
        }
        switch started {
        case (.request, let deadline)?: requestDue.append(Due(deadline_ns: deadline, id: id))
        case (.idle, let deadline)?: idleDue.append(Due(deadline_ns: deadline, id: id))
        case nil: break
        }
    }

    /// The entry at `i`, in place (see `flush`).
    private mutating func modify<R>(_ i: Dictionary<ConnectionID, Entry>.Index, _ body: (inout Entry) -> R) -> R {
        body(&entries.values[i])
    }

    /// One timer for the table. A request deadline can fall before an armed idle one (their
    /// lengths differ), so an earlier front moves the timer (setting an armed ID replaces it).
    private mutating func arm(now_ns: Instant_ns) -> ReactorEffect? {
        let slack = UInt64(timeouts.granularity_ms) * 1_000_000
        let earliest: Instant_ns
        switch (requestDue.first?.deadline_ns, idleDue.first?.deadline_ns) {
        case let (r?, i?): earliest = min(r, i)
        case let (r?, nil): earliest = r
        case let (nil, i?): earliest = i
        case (nil, nil): return nil
        }
        let at = max(earliest, now_ns) + slack
        if let armed = armed_ns, armed <= at + slack { return nil }
        armed_ns = at
        return .setTimer(timerID, deadline_ns: at)
    }
}
