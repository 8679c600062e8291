import RcomCore

/// Requests of one connection are served strictly in order; a start waits for its account's handler.
extension JobServerPipeline {
    // MARK: - Parsing and serving, strictly in order per connection

    /// Bytes (nil: EOF) of a client connection; its complete requests join its queue.
    mutating func parse(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        let malformedBefore = server.counters.malformed
        let (requests, effects) = server.received(id, bytes, now_ns: now_ns)
        for (ref, r) in requests {
            stats.requests += 1
            connections[id]!.queue.append(Queued(sequence: ref.sequence, request: r))
        }
        stats.badRequests += server.counters.malformed - malformedBefore
        makeRunnable(id)
        // 100 Continue, 501s and a parse error's answer, each in its turn; the close after EOF.
        return noteCloses(effects)
    }

    /// Serves queued requests of one connection until one has to wait.
    mutating func pump(_ id: ConnectionID, now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        // No local copy of the connection: holding one while its queue is edited would copy the queue.
        while connections[id]?.busy == false, let head = connections[id]?.queue.first {
            let ref = RequestRef(connection: id, sequence: head.sequence)
            let request = head.request
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
                _ = connections[id]!.queue.popFirst()
                connections[id]!.waitsFor = nil
                accounts[job.account, default: AccountHandler()].holder = id
                if !connections[id]!.holds.contains(job.account) { connections[id]!.holds.append(job.account) }
                if tracing != nil { traces.begin(ref, request, account: job.account, tracing: &tracing!, now_ns: now_ns) }
                effects += start(ref, job, now_ns: now_ns)
            case .respond(let response):
                _ = connections[id]!.queue.popFirst()
                effects += respond(ref, response, now_ns: now_ns)
            }
        }
        if let c = connections[id] {
            if c.readPaused && c.waitsFor == nil && c.queue.count < 8 {
                connections[id]!.readPaused = false
                effects.append(.resumeReading(id))
            } else if !c.readPaused && c.queue.count >= 8 {
                effects += pauseReading(id)
            }
        }
        return effects
    }

    mutating func pauseReading(_ id: ConnectionID) -> [ReactorEffect] {
        guard connections[id]?.readPaused == false else { return [] }
        connections[id]!.readPaused = true
        return [.pauseReading(id)]
    }

    enum Route {
        case start(JobStartRequest)
        case respond(HTTPResponse)
    }

    mutating func route(_ r: HTTPRequest) -> Route {
        switch (r.method, String(r.path)) {
        case ("POST", "/start"):
            switch JobStartRequest.parse(r.body) {
            case .success(let job): return .start(job)
            case .failure(let e):
                stats.badRequests += 1
                return .respond(.error(400, e.message))
            }
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            return .respond(.json(200, Array(config.build.healthJSON.utf8)))
        case ("GET", "/stats"):
            return .respond(.json(200, Array(metricsRegistry.json.utf8)))
        case ("GET", "/metrics"):
            return .respond(metricsPage())
        case ("POST", "/verify"):
            return .respond(verify(r))
        case (_, "/start"), (_, "/verify"), (_, "/stats"), (_, "/healthz"), (_, "/metrics"):
            var resp = HTTPResponse.error(405, "method \(r.method) not allowed on \(r.path)")
            resp.headers.add("Allow", r.path == "/start" || r.path == "/verify" ? "POST" : "GET")
            return .respond(resp)
        default:
            return .respond(.error(404, "no such endpoint \(r.path.prefix(100)); use POST /start"))
        }
    }

    func verify(_ r: HTTPRequest) -> HTTPResponse {
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
}
