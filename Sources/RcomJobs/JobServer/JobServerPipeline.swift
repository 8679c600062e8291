import RcomCore

/// The stand-in for the work sample's job server, as a sans-IO pipeline.
///
/// One handler per account: a connection's request for account A is served only while that
/// connection holds A's handler; other connections of A queue (FIFO, with their reads paused)
/// until it is released — on each response (`--hold request`) or when the holding connection
/// closes (`--hold connection`). Jobs take `job_ms`; `wait:true` answers when done, `wait:false`
/// answers at once and POSTs the result to the callback URL.
public struct JobServerPipeline: EventPipeline {
    public let config: JobServerConfig
    public private(set) var stats = JobServerStats()
    private let entropy: EntropySource
    private let faultDice: SeededEntropy
    private var connections: [ConnectionID: ServerConnection] = [:]
    private var accounts: [String: AccountHandler] = [:]
    private var timers: [TimerID: TimerPurpose] = [:]
    private var nextTimer: UInt64 = 0
    private var callbacks: OutboundPool<CallbackTag>
    private var jobsInFlight = 0

    struct ServerConnection {
        var decoder: HTTPRequestDecoder
        var queue: [Queued] = []
        /// A request is being served (job running, slow start, early callback in flight).
        var busy = false
        /// Accounts whose handler this connection holds (several under --hold connection).
        var holds: [String] = []
        var waitsFor: String?
        var peerDone = false
        var readPaused = false
    }

    enum Queued {
        case request(HTTPRequest)
        /// Unparseable input: answered with its status, then the connection closes.
        case malformed(HTTPParseError)
    }

    struct AccountHandler {
        var holder: ConnectionID?
        var waiters: [ConnectionID] = []
    }

    struct Job {
        let id: String
        let startedAt: String
        let proof: String
        var body: [UInt8] {
            Array(JSONText.object([("id", JSONText.quote(id)), ("state", JSONText.quote("completed")),
                                   ("startedAt", JSONText.quote(startedAt)), ("proof", JSONText.quote(proof))]).utf8)
        }
    }

    enum TimerPurpose {
        case waitJobDone(ConnectionID, Job, keepAlive: Bool)
        case callbackDue(Job, HTTPURL, copies: Int)
        case slowStartDone(ConnectionID, HTTPRequest)
    }

    struct CallbackTag: Sendable {
        let job: String
        /// Early-callback fault: the start response waits for this callback to be answered.
        let deferredStart: (ConnectionID, [UInt8], Bool)?
        let attempt: Int
        let url: HTTPURL
        let request: HTTPRequest
    }

    public init(config: JobServerConfig, entropy: EntropySource) {
        self.config = config
        self.entropy = entropy
        self.faultDice = SeededEntropy(seed: config.seed)
        self.callbacks = OutboundPool(connectionsPerHostMax: config.callbackConnectionsPerHostMax,
                                      queueMax: config.callbackQueueMax, idBase: 0)
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, _):
            connections[id] = ServerConnection(decoder: HTTPRequestDecoder(limits: config.limits))
            return []
        case .received(let id, let bytes) where connections[id] != nil:
            connections[id]!.decoder.receive(bytes)
            return parse(id, now_ns: now_ns)
        case .readClosed(let id) where connections[id] != nil:
            connections[id]!.decoder.receiveEOF()
            connections[id]!.peerDone = true
            return parse(id, now_ns: now_ns)
        case .closed(let id, _) where connections[id] != nil:
            return connectionGone(id, now_ns: now_ns)
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

    // MARK: - Parsing and serving, strictly in order per connection

    private mutating func parse(_ id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        // Mutate in place: copying the connection out would copy its receive buffer per request.
        parsing: while connections[id] != nil {
            let event = connections[id]!.decoder.next()
            switch event {
            case .message(let r):
                stats.requests += 1
                connections[id]!.queue.append(.request(r))
            case .expectContinue:
                effects.append(.write(id, HTTPSerializer.continueResponse))
            case .needData, .closed:
                break parsing
            case .error(let e):
                stats.badRequests += 1
                connections[id]!.queue.append(.malformed(e))
                break parsing
            }
        }
        return effects + pump(id, now_ns: now_ns)
    }

    /// Serves queued requests of one connection until one has to wait.
    private mutating func pump(_ id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        // No local copy of the connection: holding one while its queue is edited would copy the queue.
        while connections[id]?.busy == false, let head = connections[id]?.queue.first {
            guard case .request(let request) = head else {
                // A parse error: answer it and close; the byte stream cannot be resynchronised.
                guard case .malformed(let e) = head else { break }
                connections[id]!.queue.removeAll()
                connections[id]!.busy = true
                return effects + [.write(id, HTTPSerializer.bytes(HTTPResponse.error(e.status, e.message, keepAlive: false))), .close(id)]
            }
            switch route(request) {
            case .start(let job):
                if let holder = accounts[job.account]?.holder, holder != id {
                    if connections[id]!.waitsFor == nil {
                        connections[id]!.waitsFor = job.account
                        accounts[job.account]!.waiters.append(id)
                        stats.handlerWaits += 1
                    }
                    return effects + pauseReading(id)
                }
                connections[id]!.queue.removeFirst()
                connections[id]!.waitsFor = nil
                accounts[job.account, default: AccountHandler()].holder = id
                if !connections[id]!.holds.contains(job.account) { connections[id]!.holds.append(job.account) }
                effects += start(id, request, job, now_ns: now_ns)
            case .respond(let response):
                connections[id]!.queue.removeFirst()
                effects += respond(id, response, keepAlive: request.keepAlive, now_ns: now_ns)
            }
        }
        if let c = connections[id] {
            if c.queue.isEmpty && !c.busy && c.peerDone { effects.append(.close(id)) }
            if c.readPaused && c.waitsFor == nil && c.queue.count < 8 {
                connections[id]!.readPaused = false
                effects.append(.resumeReading(id))
            } else if !c.readPaused && c.queue.count >= 8 {
                effects += pauseReading(id)
            }
        }
        return effects
    }

    private mutating func pauseReading(_ id: ConnectionID) -> [ReactorEffect] {
        guard connections[id]?.readPaused == false else { return [] }
        connections[id]!.readPaused = true
        return [.pauseReading(id)]
    }

    enum Route {
        case start(JobStartRequest)
        case respond(HTTPResponse)
    }

    private mutating func route(_ r: HTTPRequest) -> Route {
        switch (r.method, String(r.path)) {
        case ("POST", "/start"):
            switch JobStartRequest.parse(r.body) {
            case .success(let job): return .start(job)
            case .failure(let e):
                stats.badRequests += 1
                return .respond(.error(400, e.message))
            }
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            return .respond(.json(200, Array("{\"ok\":true}".utf8)))
        case ("GET", "/stats"):
            return .respond(.json(200, Array(stats.json.utf8)))
        case ("POST", "/verify"):
            return .respond(verify(r))
        case (_, "/start"), (_, "/verify"), (_, "/stats"), (_, "/healthz"):
            var resp = HTTPResponse.error(405, "method \(r.method) not allowed on \(r.path)")
            resp.headers.add("Allow", r.path == "/start" || r.path == "/verify" ? "POST" : "GET")
            return .respond(resp)
        default:
            return .respond(.error(404, "no such endpoint \(r.path.prefix(100)); use POST /start"))
        }
    }

    private func verify(_ r: HTTPRequest) -> HTTPResponse {
        let query = r.target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var jobs = config.verifyJobsExpected
        var deadline = config.verifyDeadline_ms
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2, kv[0] == "jobs", let v = Int(kv[1]) { jobs = v }
            if kv.count == 2, kv[0] == "deadline_ms", let v = Int64(kv[1]) { deadline = v }
        }
        switch ProofBlock.decode(String(decoding: r.body, as: UTF8.self)) {
        case .failure(let e):
            return .json(200, Array(JSONText.object([("result", "\"INVALID\""), ("problems", "[\(JSONText.quote(e.description))]")]).utf8))
        case .success(let block):
            let problems = ProofVerifier(secret: config.secret, jobsExpected: jobs, startSpread_ms_max: deadline).problems(block)
            return .json(200, Array(JSONText.object([
                ("result", JSONText.quote(problems.isEmpty ? "VALID" : "INVALID")), ("jobs", "\(block.jobs.count)"),
                ("problems", "[" + problems.map(JSONText.quote).joined(separator: ",") + "]"),
            ]).utf8))
        }
    }

    // MARK: - Jobs

    private mutating func roll(_ kind: FaultSpec.Kind) -> FaultSpec.Rule? {
        guard let rule = config.faults.rule(kind) else { return nil }
        // Always draw, so one fault's probability does not shift another's schedule.
        let hit = faultDice.unit() < rule.probability
        if hit { stats.faults[kind, default: 0] += 1 }
        return hit ? rule : nil
    }

    private mutating func start(_ id: ConnectionID, _ request: HTTPRequest, _ start: JobStartRequest, now_ns: Instant_ns) -> [ReactorEffect] {
        let reset = roll(.reset) != nil
        let error = roll(.error500) != nil
        let slow = roll(.slowStart)
        if reset {
            connections[id]!.busy = true
            return [.reset(id)]
        }
        if error {
            let status = faultDice.next64() % 2 == 0 ? 500 : 503
            return respond(id, .error(status, "injected fault: job server error"), keepAlive: request.keepAlive, now_ns: now_ns)
        }
        guard jobsInFlight < config.jobsInFlightMax else {
            return respond(id, .error(503, "too many jobs in progress (\(config.jobsInFlightMax)); retry later"), keepAlive: request.keepAlive, now_ns: now_ns)
        }
        if let slow {
            connections[id]!.busy = true
            return arm(.slowStartDone(id, request), at: now_ns + UInt64(slow.delay_ms) * 1_000_000)
        }
        return launch(id, request, start, now_ns: now_ns)
    }

    private mutating func launch(_ id: ConnectionID, _ request: HTTPRequest, _ start: JobStartRequest, now_ns: Instant_ns) -> [ReactorEffect] {
        let jobID = String(entropy.next64(), radix: 16)
        let startedAt = ISO8601.format(ms: config.wallOrigin_ms + Int64(now_ns / 1_000_000))
        let job = Job(id: jobID, startedAt: startedAt, proof: JobProof.sign(secret: config.secret, id: jobID, startedAt: startedAt))
        stats.jobsStarted += 1
        jobsInFlight += 1
        let done_ns = now_ns + UInt64(config.job_ms) * 1_000_000
        if start.wait {
            connections[id]!.busy = true
            return arm(.waitJobDone(id, job, keepAlive: request.keepAlive), at: done_ns)
        }
        let url = start.callback!
        let running = Array(JSONText.object([("state", JSONText.quote("running")), ("id", JSONText.quote(jobID))]).utf8)
        let drop = roll(.dropCallback) != nil
        let copies = roll(.duplicateCallback) != nil ? 2 : 1
        let early = roll(.earlyCallback) != nil
        let delay = roll(.delayCallback)
        if drop {
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            return respond(id, .json(200, running), keepAlive: request.keepAlive, now_ns: now_ns)
        }
        if early {
            // The callback races ahead of the start response: the response is written only
            // after the callback has been answered.
            connections[id]!.busy = true
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            return postCallback(job, url, deferredStart: (id, running, request.keepAlive), now_ns: now_ns)
        }
        let due = done_ns + UInt64(delay?.delay_ms ?? 0) * 1_000_000
        return respond(id, .json(200, running), keepAlive: request.keepAlive, now_ns: now_ns)
            + arm(.callbackDue(job, url, copies: copies), at: due)
    }

    private mutating func arm(_ purpose: TimerPurpose, at deadline: Instant_ns) -> [ReactorEffect] {
        nextTimer += 1
        let t = TimerID(raw: nextTimer)
        timers[t] = purpose
        return [.setTimer(t, deadline_ns: deadline)]
    }

    private mutating func fire(_ purpose: TimerPurpose, now_ns: Instant_ns) -> [ReactorEffect] {
        switch purpose {
        case .waitJobDone(let id, let job, let keepAlive):
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            guard connections[id] != nil else { return [] }
            stats.waitResponses += 1
            connections[id]!.busy = false
            return respond(id, .json(200, job.body), keepAlive: keepAlive, now_ns: now_ns)
        case .callbackDue(let job, let url, let copies):
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            return (0..<copies).flatMap { _ in postCallback(job, url, deferredStart: nil, now_ns: now_ns) }
        case .slowStartDone(let id, let request):
            guard connections[id] != nil, case .success(let start) = JobStartRequest.parse(request.body) else { return [] }
            connections[id]!.busy = false
            return launch(id, request, start, now_ns: now_ns)
        }
    }

    private mutating func postCallback(_ job: Job, _ url: HTTPURL, deferredStart: (ConnectionID, [UInt8], Bool)?, now_ns: Instant_ns) -> [ReactorEffect] {
        var headers = HTTPHeaders()
        headers.add("Host", url.hostHeader)
        headers.add("Content-Type", "application/json")
        headers.add("User-Agent", "rcom-jobserver")
        let request = HTTPRequest(method: "POST", target: url.target, headers: headers, body: job.body)
        return send(CallbackTag(job: job.id, deferredStart: deferredStart, attempt: 1, url: url, request: request), now_ns: now_ns)
    }

    private mutating func send(_ tag: CallbackTag, now_ns: Instant_ns) -> [ReactorEffect] {
        stats.callbacksSent += 1
        guard let effects = callbacks.send(tag.request, to: tag.url, tag: tag) else {
            stats.callbacksFailed += 1
            return finishDeferred(tag, now_ns: now_ns)
        }
        return effects
    }

    private mutating func callbackOutcome(_ outcome: OutboundPool<CallbackTag>.Outcome, now_ns: Instant_ns) -> [ReactorEffect] {
        switch outcome {
        case .response(let tag, _):
            stats.callbacksAnswered += 1
            return finishDeferred(tag, now_ns: now_ns)
        case .failed(let tag, _):
            // A reused keep-alive connection may have been closed by the receiver just as we
            // wrote: one retry on a fresh connection.
            if tag.attempt == 1 {
                stats.callbackRetries += 1
                return send(CallbackTag(job: tag.job, deferredStart: tag.deferredStart, attempt: 2, url: tag.url, request: tag.request), now_ns: now_ns)
            }
            stats.callbacksFailed += 1
            return finishDeferred(tag, now_ns: now_ns)
        }
    }

    private mutating func finishDeferred(_ tag: CallbackTag, now_ns: Instant_ns) -> [ReactorEffect] {
        guard let (id, body, keepAlive) = tag.deferredStart, connections[id] != nil else { return [] }
        connections[id]!.busy = false
        return respond(id, .json(200, body), keepAlive: keepAlive, now_ns: now_ns)
    }

    // MARK: - Responses and the handler

    private mutating func respond(_ id: ConnectionID, _ response: HTTPResponse, keepAlive: Bool, now_ns: Instant_ns) -> [ReactorEffect] {
        var r = response
        if !keepAlive { r.headers.set("Connection", "close") }
        var effects: [ReactorEffect] = [.write(id, HTTPSerializer.bytes(r))]
        if config.hold == .request { effects += release(from: id, now_ns: now_ns) }
        if !keepAlive {
            connections[id]?.queue.removeAll()
            connections[id]?.busy = true
            effects.append(.close(id))
            return effects
        }
        return effects + pump(id, now_ns: now_ns)
    }

    private mutating func release(from id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
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
    private mutating func handOver(_ account: String, now_ns: Instant_ns) -> [ReactorEffect] {
        guard var handler = accounts[account] else { return [] }
        while !handler.waiters.isEmpty {
            let next = handler.waiters.removeFirst()
            guard connections[next] != nil else { continue }
            accounts[account] = handler
            connections[next]!.waitsFor = nil
            return pump(next, now_ns: now_ns)
        }
        if handler.holder == nil { accounts[account] = nil } else { accounts[account] = handler }
        return []
    }

    private mutating func connectionGone(_ id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
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
