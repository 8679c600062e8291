
/// Keep-alive HTTP client connections to many hosts, one request at a time per connection,
/// at most `connectionsPerHostMax` per host; further requests wait in a per-host FIFO
/// (bounded by `queueMax` overall: past it `send` refuses and the caller counts a drop).
/// Pure state: the owner feeds it events for the connections it owns and executes effects.
public struct OutboundPool<Tag: Sendable>: Sendable {
    public enum Outcome: Sendable {
        case response(Tag, HTTPResponse)
        /// `beforeResponse`: no byte of its answer came (a connect failure, or the connection
        /// closed under it), so the receiver never began to answer it.
        case failed(Tag, reason: String, beforeResponse: Bool)
    }

    public let connectionsPerHostMax: Int
    public let queueMax: Int
    private var connections: [ConnectionID: HTTPClientConnection<Tag>] = [:]
    private var hostOf: [ConnectionID: String] = [:]
    private var idle: [String: [ConnectionID]] = [:]
    private var open: [String: Int] = [:]
    /// Per host, oldest first; popped in place (the queue can hold thousands of callbacks).
    private var waiting: [String: FIFO<(url: HTTPURL, request: HTTPRequest, tag: Tag)>] = [:]
    private var waitingCount = 0
    private var nextSerial: UInt64

    /// `idBase` keeps this pool's outbound IDs apart from any other allocator of the owner.
    public init(connectionsPerHostMax: Int, queueMax: Int, idBase: UInt64) {
        self.connectionsPerHostMax = connectionsPerHostMax
        self.queueMax = queueMax
        self.nextSerial = idBase
    }

    public func owns(_ id: ConnectionID) -> Bool { connections[id] != nil }
    public var connectionCount: Int { connections.count }
    public var queuedCount: Int { waitingCount }

    /// Returns nil when the queue is full (nothing was done). `fresh`: never on an idle
    /// kept-alive connection (each may be as stale as the one a retry follows: a reloading
    /// server closes them all at once), but on a new one, or, at the per-host bound, on the
    /// next connection that has just answered (alive a moment ago).
    public mutating func send(_ request: HTTPRequest, to url: HTTPURL, tag: Tag, fresh: Bool = false) -> [ReactorEffect]? {
        let key = "\(url.host):\(url.port)"
        if !fresh, var free = idle[key], let id = free.popLast() {
            idle[key] = free
            return connections[id]!.send(request, tag: tag)
        }
        if open[key, default: 0] < connectionsPerHostMax {
            nextSerial += 1
            let id = ConnectionID.outbound(nextSerial)
            var c = HTTPClientConnection<Tag>(id: id, url: url)
            let effects = c.send(request, tag: tag)
            connections[id] = c
            hostOf[id] = key
            open[key, default: 0] += 1
            return [c.connectEffect] + effects
        }
        guard waitingCount < queueMax else { return nil }
        waiting[key, default: FIFO()].append((url, request, tag))
        waitingCount += 1
        return []
    }

    public mutating func handle(_ event: ReactorEvent) -> (effects: [ReactorEffect], outcomes: [Outcome]) {
        switch event {
        case .connected(let id):
            guard connections[id] != nil else { return ([], []) }
            return (connections[id]!.connected(), [])
        case .received(let id, let bytes):
            return receive(id, bytes)
        case .readClosed(let id):
            return receive(id, nil)
        case .connectFailed(let id, let reason), .closed(let id, let reason):
            return drop(id, reason: reason)
        default:
            return ([], [])
        }
    }

    private mutating func receive(_ id: ConnectionID, _ bytes: [UInt8]?) -> (effects: [ReactorEffect], outcomes: [Outcome]) {
        guard connections[id] != nil else { return ([], []) }
        var effects: [ReactorEffect] = []
        var outcomes: [Outcome] = []
        for o in connections[id]!.receive(bytes) {
            switch o {
            case .response(let tag, let r): outcomes.append(.response(tag, r))
            case .failed(let tags, let reason): outcomes += failures(tags, reason, firstStarted: connections[id]!.responseStarted)
            }
        }
        let c = connections[id]!
        if c.phase == .closed || c.closing {
            // Never handed out again (its .closed event drops it for good).
            if let key = hostOf[id] { idle[key]?.removeAll { $0 == id } }
            if c.inFlight.isEmpty { effects.append(.close(id)) }
        } else if c.inFlight.isEmpty {
            effects += reuse(id)
        }
        return (effects, outcomes)
    }

    /// A connection finished a request: give it the next waiting one for its host, or park it.
    private mutating func reuse(_ id: ConnectionID) -> [ReactorEffect] {
        guard let key = hostOf[id] else { return [] }
        if let next = waiting[key]?.popFirst() {
            waitingCount -= 1
            return connections[id]!.send(next.request, tag: next.tag)
        }
        idle[key, default: []].append(id)
        return []
    }

    /// Only the oldest unanswered request can have had part of its answer.
    private func failures(_ tags: [Tag], _ reason: String, firstStarted: Bool) -> [Outcome] {
        tags.enumerated().map { .failed($0.element, reason: reason, beforeResponse: $0.offset > 0 || !firstStarted) }
    }

    private mutating func drop(_ id: ConnectionID, reason: String) -> (effects: [ReactorEffect], outcomes: [Outcome]) {
        guard var c = connections.removeValue(forKey: id), let key = hostOf.removeValue(forKey: id) else { return ([], []) }
        open[key, default: 1] -= 1
        idle[key]?.removeAll { $0 == id }
        var outcomes: [Outcome] = []
        let started = c.responseStarted
        for case .failed(let tags, let why) in c.fail(reason: reason) { outcomes += failures(tags, why, firstStarted: started) }
        // Work still waiting for this host gets a fresh connection.
        var effects: [ReactorEffect] = []
        if let next = waiting[key]?.popFirst() {
            waitingCount -= 1
            effects += send(next.request, to: next.url, tag: next.tag) ?? []
        }
        return (effects, outcomes)
    }
}
