import RcomCore

/// Jobs: fault rolls, timers, completion, and callbacks through the outbound pool.
extension JobServerPipeline {
    // MARK: - Jobs

    mutating func roll(_ kind: FaultSpec.Kind) -> FaultSpec.Rule? {
        guard let rule = config.faults.rule(kind) else { return nil }
        // Always draw, so one fault's probability does not shift another's schedule.
        let hit = faultDice.unit() < rule.probability
        if hit { stats.faults[kind, default: 0] += 1 }
        return hit ? rule : nil
    }

    mutating func start(_ ref: RequestRef, _ start: JobStartRequest, now_ns: Instant_ns) -> [ReactorEffect] {
        let id = ref.connection
        let reset = roll(.reset) != nil
        let error = roll(.error500) != nil
        let slow = roll(.slowStart)
        if reset {
            if tracing != nil { traces.refused(ref, status: nil, "injected fault: reset", tracing: &tracing!, now_ns: now_ns) }
            connections[id]!.busy = true
            return [.reset(id)]
        }
        if error {
            let status = faultDice.next64() % 2 == 0 ? 500 : 503
            if tracing != nil { traces.refused(ref, status: status, "injected fault: error-500 (answered \(status))", tracing: &tracing!, now_ns: now_ns) }
            return respond(ref, .error(status, "injected fault: job server error"), now_ns: now_ns)
        }
        guard jobsInFlight < config.jobsInFlightMax else {
            if tracing != nil { traces.refused(ref, status: 503, "too many jobs in progress", tracing: &tracing!, now_ns: now_ns) }
            return respond(ref, .error(503, "too many jobs in progress (\(config.jobsInFlightMax)); retry later"), now_ns: now_ns)
        }
        if let slow {
            if tracing != nil { traces.event(ref, "injected fault: slow-start", tracing: tracing!, now_ns: now_ns) }
            connections[id]!.busy = true
            return arm(.slowStartDone(ref, start), at: now_ns + UInt64(slow.delay_ms) * 1_000_000)
        }
        return launch(ref, start, now_ns: now_ns)
    }

    mutating func launch(_ ref: RequestRef, _ start: JobStartRequest, now_ns: Instant_ns) -> [ReactorEffect] {
        let id = ref.connection
        let jobID = String(entropy.next64(), radix: 16)
        let startedAt = ISO8601.format(ms: config.wallOrigin_ms + Int64(now_ns / 1_000_000))
        let job = Job(id: jobID, startedAt: startedAt, proof: JobProof.sign(secret: config.secret, id: jobID, startedAt: startedAt),
                      launched_ns: now_ns)
        stats.jobsStarted += 1
        jobsInFlight += 1
        if tracing != nil { traces.launched(ref, job: jobID) }
        let done_ns = now_ns + UInt64(config.job_ms) * 1_000_000
        if start.wait {
            connections[id]!.busy = true
            return arm(.waitJobDone(ref, job), at: done_ns)
        }
        let url = start.callback!
        // A start that repeats a callback URL already started would run a job twice; a proxy
        // must never send one (each of its tokens is used once). Counted, bounded by clearing.
        if startedCallbacks.count >= Self.startedCallbacksMax { startedCallbacks.removeAll(keepingCapacity: true) }
        if !startedCallbacks.insert(url.description).inserted { stats.startsRepeated += 1 }
        let running = JSONText.objectBytes([("state", JSONText.quote("running")), ("id", JSONText.quote(jobID))])
        let drop = roll(.dropCallback) != nil
        let copies = roll(.duplicateCallback) != nil ? 2 : 1
        let early = roll(.earlyCallback) != nil
        let delay = roll(.delayCallback)
        if tracing != nil {
            for (hit, name) in [(drop, "drop-callback"), (copies == 2, "duplicate-callback"), (early, "early-callback"), (delay != nil, "delay-callback")] where hit {
                traces.event(job: jobID, "injected fault: \(name)", tracing: tracing!, now_ns: now_ns)
            }
        }
        if drop {
            if tracing != nil { traces.finished(job: jobID, error: "injected fault: drop-callback (no callback sent)", tracing: &tracing!, now_ns: now_ns) }
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            return respond(ref, .json(200, running), now_ns: now_ns)
        }
        if early {
            // The callback races ahead of the start response: the response is written only
            // after the callback has been answered.
            connections[id]!.busy = true
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            metrics.jobDuration.observe(from: job.launched_ns, to: now_ns)
            return postCallback(job, url, deferredStart: (ref, running), now_ns: now_ns)
        }
        let due = done_ns + UInt64(delay?.delay_ms ?? 0) * 1_000_000
        if roll(.resetAfterStart) != nil {
            if tracing != nil { traces.event(job: jobID, "injected fault: reset-after-start", tracing: tracing!, now_ns: now_ns) }
            connections[id]!.busy = true
            return [.reset(id)] + arm(.callbackDue(job, url, copies: copies), at: due)
        }
        return respond(ref, .json(200, running), now_ns: now_ns)
            + arm(.callbackDue(job, url, copies: copies), at: due)
    }

    mutating func arm(_ purpose: TimerPurpose, at deadline: Instant_ns) -> [ReactorEffect] {
        nextTimer += 1
        let t = TimerID(raw: nextTimer)
        timers[t] = purpose
        return [.setTimer(t, deadline_ns: deadline)]
    }

    mutating func fire(_ purpose: TimerPurpose, now_ns: Instant_ns) -> [ReactorEffect] {
        switch purpose {
        case .waitJobDone(let ref, let job):
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            metrics.jobDuration.observe(from: job.launched_ns, to: now_ns)
            if tracing != nil {
                traces.finished(job: job.id, error: connections[ref.connection] == nil ? "the connection closed before the answer" : nil,
                                tracing: &tracing!, now_ns: now_ns)
            }
            guard connections[ref.connection] != nil else { return [] }
            stats.waitResponses += 1
            connections[ref.connection]!.busy = false
            return respond(ref, .json(200, job.body), now_ns: now_ns)
        case .callbackDue(let job, let url, let copies):
            jobsInFlight -= 1
            stats.jobsCompleted += 1
            metrics.jobDuration.observe(from: job.launched_ns, to: now_ns)
            return (0..<copies).flatMap { _ in postCallback(job, url, deferredStart: nil, now_ns: now_ns) }
        case .slowStartDone(let ref, let start):
            guard connections[ref.connection] != nil else { return [] }
            connections[ref.connection]!.busy = false
            return launch(ref, start, now_ns: now_ns)
        }
    }

    mutating func postCallback(_ job: Job, _ url: HTTPURL, deferredStart: (RequestRef, [UInt8])?, now_ns: Instant_ns) -> [ReactorEffect] {
        var headers = HTTPHeaders()
        headers.add("Host", url.hostHeader)
        headers.add("Content-Type", "application/json")
        headers.add("User-Agent", "rcom-jobserver")
        if tracing != nil, let context = traces.context(job: job.id) { context.inject(into: &headers) }
        let request = HTTPRequest(method: "POST", target: url.target, headers: headers, body: job.body)
        return send(CallbackTag(job: job.id, deferredStart: deferredStart, attempt: 1, url: url, request: request,
                                sent_ns: now_ns), now_ns: now_ns)
    }

    mutating func send(_ tag: CallbackTag, now_ns: Instant_ns) -> [ReactorEffect] {
        stats.callbacksSent += 1
        guard let effects = callbacks.send(tag.request, to: tag.url, tag: tag, fresh: tag.attempt > 1) else {
            stats.callbacksFailed += 1
            return finishDeferred(tag, now_ns: now_ns)
        }
        return effects
    }

    mutating func callbackOutcome(_ outcome: OutboundPool<CallbackTag>.Outcome, now_ns: Instant_ns) -> [ReactorEffect] {
        switch outcome {
        case .response(let tag, let r):
            if tracing != nil {
                traces.finished(job: tag.job, error: (200...299).contains(r.status) ? nil : "the callback was answered \(r.status)",
                                tracing: &tracing!, now_ns: now_ns)
            }
            stats.callbacksAnswered += 1
            metrics.callbackLatency.observe(from: tag.sent_ns, to: now_ns)
            return finishDeferred(tag, now_ns: now_ns)
        case .failed(let tag, let reason, let beforeResponse):
            // A careful sender: a kept-alive connection the receiver closed just as we wrote
            // (nginx's old workers close theirs at a reload, all at once) got no byte of an
            // answer, so the callback goes once more, on a new connection — never on another
            // idle one, which may be just as stale. Safe: a receiver that did get the first
            // answers a repeat of the same job's callback 200 (the proxy: "duplicate").
            // Once part of an answer came, the receiver had it: no retry.
            if tag.attempt == 1 && beforeResponse {
                if tracing != nil { traces.event(job: tag.job, "callback retried", tracing: tracing!, now_ns: now_ns) }
                stats.callbackRetries += 1
                return send(CallbackTag(job: tag.job, deferredStart: tag.deferredStart, attempt: 2, url: tag.url, request: tag.request,
                                        sent_ns: tag.sent_ns), now_ns: now_ns)
            }
            if tracing != nil { traces.finished(job: tag.job, error: "the callback failed: \(reason)", tracing: &tracing!, now_ns: now_ns) }
            stats.callbacksFailed += 1
            return finishDeferred(tag, now_ns: now_ns)
        }
    }

    mutating func finishDeferred(_ tag: CallbackTag, now_ns: Instant_ns) -> [ReactorEffect] {
        guard let (ref, body) = tag.deferredStart, connections[ref.connection] != nil else { return [] }
        connections[ref.connection]!.busy = false
        return respond(ref, .json(200, body), now_ns: now_ns)
    }
}
