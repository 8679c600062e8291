import RcomCore

/// The stand-in for the work sample's job server, as a sans-IO pipeline.
///
/// One handler per account: a connection's request for account A is served only while that
/// connection holds A's handler; other connections of A queue (FIFO, with their reads paused)
/// until it is released — on each response (`--hold request`) or when the holding connection
/// closes (`--hold connection`). Jobs take `job_ms`; `wait:true` answers when done, `wait:false`
/// answers at once and POSTs the result to the callback URL.
public struct JobServerPipeline: TracedPipeline {
    public let config: JobServerConfig
    /// nil: tracing off. On: a span per job (`JobServerTraces`), `traceparent` on its callback.
    public var tracing: PipelineTracing?
    var traces = JobServerTraces()
    public internal(set) var stats = JobServerStats()
    public internal(set) var metrics = JobServerMetrics()
    let entropy: EntropySource
    let faultDice: SeededEntropy
    /// Every inbound connection's HTTP and its bounds (timeouts, connection budget), as in
    /// every rcom server; `connections` holds what the job server adds per connection.
    var server: HTTPServerTable
    var connections: [ConnectionID: ServerConnection] = [:]
    var accounts: [String: AccountHandler] = [:]
    var timers: [TimerID: TimerPurpose] = [:]
    var nextTimer: UInt64 = 0
    var callbacks: OutboundPool<CallbackTag>
    var jobsInFlight = 0
    var runnable: [ConnectionID] = []
    /// Callback URLs of jobs started, to count starts that repeat one (`starts_repeated`).
    var startedCallbacks: Set<String> = []
    /// Past this many remembered URLs the memory is cleared (repeats older than that go uncounted).
    static let startedCallbacksMax = 1_000_000

    /// The server table's timer, in its own ID space (the job timers count up from 0).
    static let serverTimer = TimerID(raw: 1 << 61)

    struct ServerConnection {
        var queue = FIFO<Queued>()
        /// A request is being served (job running, slow start, early callback in flight).
        var busy = false
        /// Accounts whose handler this connection holds (several under --hold connection).
        var holds: [String] = []
        var waitsFor: String?
        var readPaused = false
    }

    /// A request read and not yet served; answered by `sequence` through the connection.
    struct Queued {
        let sequence: UInt64
        let request: HTTPRequest
    }

    struct AccountHandler {
        var holder: ConnectionID?
        var waiters: [ConnectionID] = []
    }

    struct Job {
        let id: String
        let startedAt: String
        let proof: String
        /// When it started, for `rcom_jobserver_job_duration_seconds`.
        let launched_ns: Instant_ns
        var body: [UInt8] {
            JSONText.objectBytes([("id", JSONText.quote(id)), ("state", JSONText.quote("completed")),
                                  ("startedAt", JSONText.quote(startedAt)), ("proof", JSONText.quote(proof))])
        }
    }

    enum TimerPurpose {
        case waitJobDone(RequestRef, Job)
        case callbackDue(Job, HTTPURL, copies: Int)
        case slowStartDone(RequestRef, JobStartRequest)
    }

    struct CallbackTag: Sendable {
        let job: String
        /// Early-callback fault: the start response waits for this callback to be answered.
        let deferredStart: (RequestRef, [UInt8])?
        let attempt: Int
        let url: HTTPURL
        let request: HTTPRequest
        /// The first attempt's time, for `rcom_jobserver_callback_latency_seconds`.
        let sent_ns: Instant_ns
    }

    public init(config: JobServerConfig, entropy: EntropySource, tracing: PipelineTracing? = nil) {
        self.config = config
        self.tracing = tracing
        self.entropy = entropy
        self.faultDice = SeededEntropy(seed: config.seed)
        self.server = HTTPServerTable(config.server, timerID: Self.serverTimer)
        self.server.serverName = "job server"
        self.callbacks = OutboundPool(connectionsPerHostMax: config.callbackConnectionsPerHostMax,
                                      queueMax: config.callbackQueueMax, idBase: 0)
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        let effects = react(event, now_ns: now_ns)
        return effects + serveRunnable(now_ns: now_ns)
    }

    /// Connections that may make progress are served here, one after another, rather than by
    /// recursion from each response (1,000 pipelined starts nested 1,000 deep and copied their
    /// effect lists at every level: quadratic, and 6 CPU-seconds for 10,000 jobs).
    private mutating func serveRunnable(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        var next = 0
        while next < runnable.count {
            let id = runnable[next]
            next += 1
            effects += pump(id, now_ns: now_ns)
        }
        runnable.removeAll(keepingCapacity: true)
        return effects
    }

    /// Marks a connection whose queue may now progress (served before `handle` returns).
    mutating func makeRunnable(_ id: ConnectionID) { runnable.append(id) }

    private mutating func react(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, let listener):
            let effects = server.accepted(id, listener: listener, now_ns: now_ns)
            // Not known: refused at the connection budget (503, closed). Room may have been made
            // by closing an idle or half-sent connection.
            if server.knows(id) { connections[id] = ServerConnection() }
            return noteCloses(effects)
        case .received(let id, let bytes) where connections[id] != nil:
            return parse(id, bytes, now_ns: now_ns)
        case .readClosed(let id) where connections[id] != nil:
            return parse(id, nil, now_ns: now_ns)
        case .closed(let id, _) where server.knows(id):
            server.closed(id)
            if tracing != nil { traces.connectionGone(id, tracing: &tracing!, now_ns: now_ns) }
            return connectionGone(id, now_ns: now_ns)
        case .timer(Self.serverTimer):
            return noteCloses(server.timer(now_ns: now_ns))
        case .timer(let t):
            guard let purpose = timers.removeValue(forKey: t) else { return [] }
            return fire(purpose, now_ns: now_ns)
        case .shutdown:
            return [.stop(exitCode: 0)]
        case .connected, .received, .readClosed, .closed, .connectFailed:
            let (effects, outcomes) = callbacks.handle(event)
            return effects + outcomes.flatMap { callbackOutcome($0, now_ns: now_ns) }
        case .wakeup:
            return []
        }
    }

    // MARK: - Responses and the handler

    /// Answers request `ref`; the connection writes it in its turn (HEAD without the body,
    /// `Connection: close` on the last one) and says when to close.
    mutating func respond(_ ref: RequestRef, _ response: HTTPResponse, now_ns: Instant_ns) -> [ReactorEffect] {
        let id = ref.connection
        guard connections[id] != nil else { return [] }
        var effects = noteCloses(server.respond(ref, response, now_ns: now_ns))
        if config.hold == .request { effects += release(from: id, now_ns: now_ns) }
        makeRunnable(id)
        return effects
    }

    /// Once the table closes a connection (after its last answer, a timeout, a parse error),
    /// nothing more of it is served.
    mutating func noteCloses(_ effects: [ReactorEffect]) -> [ReactorEffect] {
        for case .close(let id) in effects where connections[id] != nil {
            connections[id]!.queue.removeAll()
            connections[id]!.busy = true
        }
        return effects
    }

    mutating func release(from id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
        guard let held = connections[id]?.holds, !held.isEmpty else { return [] }
        connections[id]!.holds = []
        var effects: [ReactorEffect] = []
        for account in held {
            accounts[account]?.holder = nil
            effects += handOver(account, now_ns: now_ns)
        }
        return effects
    }

    /// The handler is free: the longest-waiting live connection of the account gets it.
    mutating func handOver(_ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        guard var handler = accounts[account] else { return [] }
        while !handler.waiters.isEmpty {
            let next = handler.waiters.removeFirst()
            guard connections[next] != nil else { continue }
            accounts[account] = handler
            connections[next]!.waitsFor = nil
            makeRunnable(next)
            return []
        }
        if handler.holder == nil { accounts[account] = nil } else { accounts[account] = handler }
        return []
    }

    mutating func connectionGone(_ id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
        guard let c = connections.removeValue(forKey: id) else { return [] }
        if let waited = c.waitsFor { accounts[waited]?.waiters.removeAll { $0 == id } }
        var effects: [ReactorEffect] = []
        for account in c.holds {
            accounts[account]?.holder = nil
            effects += handOver(account, now_ns: now_ns)
        }
        return effects
    }
}
