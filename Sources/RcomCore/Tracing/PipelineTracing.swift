/// What a traced pipeline holds while tracing is on: the tracer, the wall clock's origin, and
/// the spans it finished since the `SpanExporting` wrapper last took them. A pipeline keeps an
/// optional of this (`TracedPipeline.tracing`): nil when no endpoint is set, so tracing off
/// costs one nil check per place that would start or end a span, and no allocation.
///
/// Time: pipelines see monotonic `now_ns` only (the reactor's: 1 s at its origin); OTLP wants
/// Unix nanoseconds. The command reads the wall and monotonic clocks once, back to back, at
/// start; the reactor's clock starts at that monotonic reading (`reactorOrigin_ns`), and a
/// span's time is `wallOrigin + now_ns` with `wallOrigin = wall − 1 s`. Processes on one
/// machine then agree on span times to microseconds.
public struct PipelineTracing {
    public var tracer: Tracer
    public let wallOrigin_unixNano: UInt64
    /// The raw monotonic reading taken with the wall clock: the reactor must start its clock
    /// there (`Reactor(origin_ns:)`) for `wallOrigin + now_ns` to be the wall time (nil: a test's
    /// virtual clock).
    public var reactorOrigin_ns: UInt64?
    /// Finished, sampled spans not yet handed to the exporter. Bounded by what one event can
    /// finish (the wrapper takes them after every event).
    public var finished: [SpanData] = []
    /// The exporter's counters as of the last event, for the pipeline's `/metrics` and `/stats`
    /// (the wrapper owns the exporter; the pipeline renders the pages).
    public var exportCounters = SpanExportCounters()
    /// The span the event being handled is about, for log lines (`trace_id`, `span_id` on its
    /// notices): set by `touch`, cleared by the wrapper before each event. An event that touches
    /// the spans of two jobs (a batch of upstream outcomes) has none: a line about several jobs
    /// names no one trace.
    public private(set) var current: Current = .none

    public enum Current: Equatable {
        case none
        case one(TraceID, SpanID)
        case several
    }

    public init(tracer: Tracer, wallOrigin_unixNano: UInt64) {
        self.tracer = tracer
        self.wallOrigin_unixNano = wallOrigin_unixNano
    }

    /// A monotonic instant as Unix nanoseconds.
    @inline(__always)
    public func unixNano(_ now_ns: Instant_ns) -> UInt64 { wallOrigin_unixNano &+ now_ns }

    public func startSpan(_ name: String, kind: SpanKind, parent: TraceContext?, at now_ns: Instant_ns,
                          attributes: [SpanAttribute] = []) -> Span {
        tracer.startSpan(name, kind: kind, parent: parent, start_unixNano: unixNano(now_ns), attributes: attributes)
    }

    /// The event being handled is about `context`'s span.
    public mutating func touch(_ context: TraceContext) {
        switch current {
        case .none: current = .one(context.traceID, context.spanID)
        case .one(_, let s) where s == context.spanID: break
        default: current = .several
        }
    }

    public mutating func clearCurrent() { current = .none }

    /// What the wrapper takes after each event, in one access to the pipeline's `tracing` (an
    /// `inout` through the protocol's modify accessor: in place, no copy of this struct): the
    /// finished spans, and the current span, which is cleared for the next event; the exporter's
    /// counters go in.
    static func take(_ tracing: inout PipelineTracing?, counters: SpanExportCounters) -> (spans: [SpanData], current: Current) {
        guard tracing != nil else { return ([], .none) }
        var spans: [SpanData] = []
        if !tracing!.finished.isEmpty { swap(&spans, &tracing!.finished) }
        let current = tracing!.current
        if current != .none { tracing!.current = .none }
        if tracing!.exportCounters != counters { tracing!.exportCounters = counters }
        return (spans, current)
    }

    /// Ends `span` at `now_ns` and keeps it for the exporter when it is sampled.
    public mutating func end(_ span: Span, at now_ns: Instant_ns) {
        if let data = span.end(at: unixNano(now_ns)) { finished.append(data) }
    }

    /// The wall-clock origin for a process whose reactor's monotonic clock reads `monotonic_ns`
    /// while the wall clock reads `wall_unixNano` (both read once, at start, by the command).
    public static func wallOrigin(wall_unixNano: UInt64, monotonic_ns: UInt64) -> UInt64 {
        wall_unixNano >= monotonic_ns ? wall_unixNano - monotonic_ns : 0
    }
}

/// A pipeline the `SpanExporting` wrapper can export for.
public protocol TracedPipeline: EventPipeline {
    /// nil: tracing is off (and the pipeline is not wrapped).
    var tracing: PipelineTracing? { get set }
}

extension MetricsRegistry {
    /// The exporter's counters, under the family names every traced rcom process shares
    /// (`rcom_trace_…`, not the server's prefix), so one dashboard query covers them all.
    public mutating func spanExport(_ c: SpanExportCounters) {
        counter("trace_spans_exported", "Spans the collector accepted (2xx)", c.exported, name: "rcom_trace_spans_exported_total")
        counter("trace_spans_dropped", "Spans dropped before the collector accepted them, by reason", label: "reason",
                [("queue_full", c.droppedQueueFull), ("retries_exhausted", c.droppedRetriesExhausted),
                 ("rejected", c.droppedRejected), ("shutdown", c.droppedShutdown)], name: "rcom_trace_spans_dropped_total")
        counter("trace_export_requests", "OTLP export requests sent (retries included)", c.requests, name: "rcom_trace_export_requests_total")
        counter("trace_export_retries", "OTLP export requests retried after 429/502/503/504, a failure or a timeout", c.retries,
                name: "rcom_trace_export_retries_total")
    }
}
