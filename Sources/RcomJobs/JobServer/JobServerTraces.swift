import RcomCore

/// The job server's span per job (kind server, `job`): from its start request (parent: the
/// request's `traceparent`, the proxy's `upstream start` span) until the job is over for it:
/// the `wait:true` answer, or its callback answered, or failed. The callback request carries
/// this span's context as `traceparent`, so the proxy's callback span hangs under it. Injected
/// faults (`--faults`) show: the ones that end the job as an error status naming the fault,
/// the others as events. Off (no endpoint): the pipeline's `tracing` is nil and none of this runs.
struct JobServerTraces {
    /// Read, not launched yet (a slow start waits here).
    private var starting: [RequestRef: Span] = [:]
    /// Launched, by job id, until their answer or callback is done.
    private var running: [String: Span] = [:]
    /// Bound: one per job in flight (`jobsInFlightMax`) and per start being read.
    var count: Int { starting.count + running.count }

    mutating func begin(_ ref: RequestRef, _ request: HTTPRequest, account: String, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        var span = tracing.startSpan("job", kind: .server, parent: TraceContext.extract(from: request.headers), at: now_ns)
        if span.isRecording {
            span.setAttribute("http.request.method", .string(request.method))
            span.setAttribute("url.path", .string(String(request.path)))
            span.setAttribute("rcom.account", .string(account))
        }
        tracing.touch(span.context)
        starting[ref] = span
    }

    mutating func event(_ ref: RequestRef, _ name: String, tracing: PipelineTracing, now_ns: Instant_ns) {
        starting[ref]?.addEvent(name, at: tracing.unixNano(now_ns))
    }

    mutating func event(job: String, _ name: String, tracing: PipelineTracing, now_ns: Instant_ns) {
        running[job]?.addEvent(name, at: tracing.unixNano(now_ns))
    }

    /// The start ended before a job ran (an injected fault, or busy): `status` says why.
    mutating func refused(_ ref: RequestRef, status: Int?, _ why: String, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        guard var span = starting.removeValue(forKey: ref) else { return }
        if let status { span.setAttribute("http.response.status_code", .int(Int64(status))) }
        span.setStatus(SpanStatus(.error, message: why))
        tracing.end(span, at: now_ns)
    }

    mutating func launched(_ ref: RequestRef, job: String) {
        guard var span = starting.removeValue(forKey: ref) else { return }
        span.setAttribute("rcom.job.id", .string(job))
        running[job] = span
    }

    /// The context the job's callback carries.
    func context(job: String) -> TraceContext? { running[job]?.context }

    /// The job is over for this server: `error` nil means it went well.
    mutating func finished(job: String, error: String?, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        guard var span = running.removeValue(forKey: job) else { return }
        tracing.touch(span.context)
        span.setStatus(error.map { SpanStatus(.error, message: $0) } ?? SpanStatus(.ok))
        tracing.end(span, at: now_ns)
    }

    /// The client's connection closed: starts still being read end with it.
    mutating func connectionGone(_ id: ConnectionID, tracing: inout PipelineTracing, now_ns: Instant_ns) {
        guard !starting.isEmpty else { return }
        for ref in starting.keys where ref.connection == id {
            refused(ref, status: nil, "the connection closed before the job started", tracing: &tracing, now_ns: now_ns)
        }
    }
}
