/// Wraps a traced pipeline and exports the spans it finishes: any reactor-based command gets
/// OTLP export from here, the pipeline only starting and ending spans (`PipelineTracing`).
///
///     let p = MyPipeline(..., tracing: PipelineTracing(...))        // tracing on
///     let wrapped = SpanExporting(p, exporter: SpanExporter(configuration: c, entropy: e))
///     Reactor(pipeline: wrapped, ...)                             // or ServerRunner.run(make:)
///
/// Per event: an event `SpanExporter.owns` goes to the exporter, any other to the pipeline; then
/// the spans the pipeline finished go to the exporter (`add`), and the exporter's counters go
/// back into `inner.tracing` for the pipeline's `/metrics`. When the pipeline asks to stop
/// (`.stop(code)`), the stop is held back while the exporter drains (sends what is queued
/// without waiting for the batch delay), and released when it is idle or after `flushTimeout_ns`
/// (then what is left is dropped and counted as `shutdown`): a collector that is down delays an
/// exit by that much at most. Log lines: a `.notice` the pipeline returns while handling an
/// event about one span (`PipelineTracing.touch`) gets that span's `trace_id` and `span_id`
/// fields (in `--log-format json`, members of the line). Not wrapped (tracing off): the pipeline runs as it is, at no cost.
public struct SpanExporting<Inner: TracedPipeline>: EventPipeline {
    public private(set) var inner: Inner
    public private(set) var exporter: SpanExporter
    public let flushTimeout_ns: UInt64
    private var pendingStop: Int32?
    private var flushDeadline_ns: Instant_ns = 0

    /// The flush timer: beside the exporter's own in its id space (bit 59).
    public static var flushTimer: TimerID { TimerID(raw: SpanExporter.idBit | 1) }

    public init(_ inner: Inner, exporter: SpanExporter, flushTimeout_ns: UInt64 = 5_000_000_000) {
        self.inner = inner
        self.exporter = exporter
        self.flushTimeout_ns = flushTimeout_ns
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        if case .timer(let t) = event, t == Self.flushTimer {
            return pendingStop == nil ? [] : stopNow(now_ns: now_ns)
        }
        guard !SpanExporter.owns(event) else {
            var effects = exporter.handle(event, now_ns: now_ns)
            effects += takeSpans(now_ns: now_ns).effects
            return effects + stopIfFlushed()
        }
        var effects = inner.handle(event, now_ns: now_ns)
        let (more, current) = takeSpans(now_ns: now_ns)
        if case .one(let traceID, let spanID) = current {
            for i in effects.indices {
                if case .notice(let n) = effects[i] {
                    effects[i] = .notice(OperatorNotice(n.level, n.message, n.fields + [("trace_id", traceID.hex), ("span_id", spanID.hex)]))
                }
            }
        }
        if pendingStop == nil, let i = effects.firstIndex(where: { if case .stop = $0 { return true } else { return false } }),
           case .stop(let code) = effects[i] {
            effects.remove(at: i)
            pendingStop = code
            flushDeadline_ns = now_ns + flushTimeout_ns
            effects.append(.setTimer(Self.flushTimer, deadline_ns: flushDeadline_ns))
            effects += more
            effects += exporter.drain(now_ns: now_ns)
            return effects + stopIfFlushed()
        }
        return effects + more + stopIfFlushed()
    }

    /// The pipeline's finished spans to the exporter, its counters back (one in-place access).
    private mutating func takeSpans(now_ns: Instant_ns) -> (effects: [ReactorEffect], current: PipelineTracing.Current) {
        let (spans, current) = PipelineTracing.take(&inner.tracing, counters: exporter.counters)
        var effects: [ReactorEffect] = []
        for s in spans { effects += exporter.add(s, now_ns: now_ns) }
        if pendingStop != nil { effects += exporter.drain(now_ns: now_ns) }
        return (effects, current)
    }

    private mutating func stopIfFlushed() -> [ReactorEffect] {
        guard let code = pendingStop, exporter.isIdle else { return [] }
        pendingStop = nil
        return [.cancelTimer(Self.flushTimer), .stop(exitCode: code)]
    }

    private mutating func stopNow(now_ns: Instant_ns) -> [ReactorEffect] {
        guard let code = pendingStop else { return [] }
        pendingStop = nil
        var effects = exporter.abandon(now_ns: now_ns)
        inner.tracing?.exportCounters = exporter.counters
        effects.append(.stop(exitCode: code))
        return effects
    }
}
