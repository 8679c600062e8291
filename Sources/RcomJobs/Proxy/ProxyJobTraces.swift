import RcomCore

/// The proxy's spans, per client job, beside the stages (which know nothing of tracing): the
/// pipeline calls in at the four points a job passes (request in, start dispatched, start
/// answered, answer written) and at a callback's arrival. Only built when tracing is on; off,
/// the pipeline's `tracing` is nil and none of this runs (no table, no allocation per job).
///
/// Per job: a server span `POST /jobs` (kind server; parent: the request's `traceparent`, else
/// a new trace) from the complete request to its answer written, and a client span
/// `upstream start` (kind client, child of it) from dispatch to the job server's answer or the
/// failure, whose context goes upstream as `traceparent`. A callback adds an event `callback`
/// to the job's span, and, when it carries a `traceparent` (rcom jobserver sends its job span's),
/// a server span `POST /callback` under it, so the trace reads client → proxy → job server →
/// callback. Statuses: 5xx answers (502, 503, 504) are errors with the answer's message; an
/// upstream start that failed, timed out, was refused or became ambiguous is an error saying so.
struct ProxyJobTraces {
    private struct Job {
        var server: Span
        var upstream: Span?
        var token: CallbackToken?
    }

    private var jobs: [RequestRef: Job] = [:]
    private var refOfToken: [CallbackToken: RequestRef] = [:]
    /// Bound: one entry per job in flight, which `waitingClientsMax` and the connection limit bound.
    var count: Int { jobs.count }

    /// A job request arrived (before admission: a 503 at the limit is traced too). Returns its
    /// span's context for `dispatch`. An unsampled job (99 % at ratio 0.01) is not kept: it
    /// records nothing, and its start only needs the context to propagate (`…-00`).
    mutating func request(_ ref: RequestRef, _ request: HTTPRequest, tracing: inout PipelineTracing, now_ns: Instant_ns) -> TraceContext {
        var span = tracing.startSpan("POST /jobs", kind: .server, parent: TraceContext.extract(from: request.headers), at: now_ns)
        guard span.isRecording else { return span.context }
        span.setAttribute("http.request.method", .string(request.method))
        span.setAttribute("url.path", .string(String(request.path)))
        tracing.touch(span.context)
        jobs[ref] = Job(server: span)
        return span.context
    }

    /// The start for the job request `ref` (whose span's context is `server`) goes upstream: its
    /// client span, whose context the start request carries (`job.trace`).
    mutating func dispatch(_ job: inout UpstreamJob, ref: RequestRef, server: TraceContext, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        var span = tracing.startSpan("upstream start", kind: .client, parent: server, at: now_ns)
        job.trace = span.context
        guard jobs[ref] != nil else { return }
        span.setAttribute("rcom.account", .string(job.account))
        if case .waitForCallback(let token) = job.purpose {
            refOfToken[token] = ref
            jobs[ref]!.token = token
            // A prefix only: the whole token is the callback URL's secret.
            span.setAttribute("rcom.job.token", .string(String(token.description.prefix(8))))
        }
        tracing.touch(span.context)
        jobs[ref]!.upstream = span
    }

    /// What became of a start.
    mutating func upstream(_ outcome: UpstreamOutcome, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        let purpose: UpstreamJob.Purpose
        var status = SpanStatus.unset
        var answered: Int?
        switch outcome {
        case .accepted(let p, let r, _): purpose = p; answered = r.status
        case .rejected(let p, let r): purpose = p; answered = r.status; status = SpanStatus(.error, message: "the job server answered \(r.status)")
        case .failed(let p, let why): purpose = p; status = SpanStatus(.error, message: "not started: \(why)")
        case .ambiguous(let p, let why): purpose = p; status = SpanStatus(.error, message: "ambiguous: \(why)")
        case .timedOut(let p, let why): purpose = p; status = SpanStatus(.error, message: "timed out: \(why)")
        case .unreachable: return
        }
        guard let ref = self.ref(purpose), var span = jobs[ref]?.upstream else { return }
        tracing.touch(span.context)
        if let answered { span.setAttribute("http.response.status_code", .int(Int64(answered))) }
        span.setStatus(status)
        tracing.end(span, at: now_ns)
        jobs[ref]!.upstream = nil
    }

    /// A callback arrived for `token`, carrying `request`'s headers.
    mutating func callback(_ token: CallbackToken?, _ request: HTTPRequest, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        let parent = TraceContext.extract(from: request.headers)
        guard let token, let ref = refOfToken[token], jobs[ref] != nil else {
            // Not a waiting job's (late, duplicate, unknown): traced only under the sender's trace.
            if let parent { tracing.end(callbackSpan(parent, tracing: tracing, now_ns: now_ns), at: now_ns) }
            return
        }
        let job = jobs[ref]!.server.context
        tracing.touch(job)
        jobs[ref]!.server.addEvent("callback", at: tracing.unixNano(now_ns),
                                   attributes: [SpanAttribute("rcom.callback.traced", .bool(parent?.traceID == job.traceID))])
        if let parent, parent.traceID == job.traceID { tracing.end(callbackSpan(parent, tracing: tracing, now_ns: now_ns), at: now_ns) }
    }

    private func callbackSpan(_ parent: TraceContext, tracing: PipelineTracing, now_ns: Instant_ns) -> Span {
        tracing.startSpan("POST /callback", kind: .server, parent: parent, at: now_ns,
                          attributes: [SpanAttribute("http.request.method", .string("POST"))])
    }

    /// The answer to `ref` is written: its span ends with the answer's status.
    mutating func answered(_ ref: RequestRef, _ response: HTTPResponse, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        guard var job = jobs.removeValue(forKey: ref) else { return }
        job.server.setAttribute("http.response.status_code", .int(Int64(response.status)))
        if response.status >= 500 { job.server.setStatus(SpanStatus(.error, message: Self.message(response))) }
        if var up = job.upstream {
            // Answered before the start was (a callback that overtook its start's answer): the
            // start span ends here, marked, its status left to what the answer says of the job.
            up.setAttribute("rcom.start.unanswered", .bool(true))
            tracing.end(up, at: now_ns)
        }
        tracing.end(job.server, at: now_ns)
        if let t = job.token { refOfToken[t] = nil }
    }

    /// The client's connection is gone: its jobs end without an answer.
    mutating func connectionGone(_ id: ConnectionID, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        guard !jobs.isEmpty else { return }
        for ref in jobs.keys where ref.connection == id {
            var job = jobs.removeValue(forKey: ref)!
            job.server.setStatus(SpanStatus(.error, message: "the client closed its connection before the answer"))
            if let up = job.upstream { tracing.end(up, at: now_ns) }
            tracing.end(job.server, at: now_ns)
            if let t = job.token { refOfToken[t] = nil }
        }
    }

    private func ref(_ purpose: UpstreamJob.Purpose) -> RequestRef? {
        switch purpose {
        case .passThrough(let r): return r
        case .waitForCallback(let token): return refOfToken[token]
        }
    }


    /// The `{"error": ...}` of rcom's own answers, or the status alone.
    private static func message(_ r: HTTPResponse) -> String {
        if let o = try? JSONObject.parse(r.body).get(), let e = o.string("error") { return "\(r.status): \(e)" }
        return "\(r.status)"
    }
}
