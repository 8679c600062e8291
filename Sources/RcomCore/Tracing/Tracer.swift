/// Starts spans. Ids come from the injected entropy source (the reactor's SystemEntropy, or a
/// recording's ReplayEntropy) and times from the caller, so a recorded run replays with the
/// same ids; nothing here reads a clock or an RNG of its own.
///
/// Every span draws its ids whether or not it is sampled (a trace id for a root: two draws; a
/// span id: one draw), so the number of draws per event does not depend on the sampling ratio.
public struct Tracer {
    public var sampler: TraceSampler
    public var limits: SpanLimits
    private let entropy: EntropySource

    public init(sampler: TraceSampler, entropy: EntropySource, limits: SpanLimits = SpanLimits()) {
        self.sampler = sampler
        self.entropy = entropy
        self.limits = limits
    }

    /// A new span: a child of `parent` (local or remote) in the parent's trace, or the root of
    /// a new trace. The child keeps the parent's tracestate and flags other than "sampled".
    public func startSpan(_ name: String, kind: SpanKind, parent: TraceContext?, start_unixNano: UInt64,
                          attributes: [SpanAttribute] = []) -> Span {
        let traceID = parent?.traceID ?? Self.nonZeroTraceID(entropy.next64(), entropy.next64())
        let spanID = SpanID(raw: entropy.next64()) ?? SpanID(raw: 1)!
        var flags = parent?.flags ?? .none
        flags.sampled = sampler.shouldSample(traceID: traceID, parent: parent)
        let context = TraceContext(traceID: traceID, spanID: spanID, flags: flags,
                                   traceState: parent?.traceState ?? TraceState(), isRemote: false)
        var span = Span(context: context, parent: parent, name: name, kind: kind, start_unixNano: start_unixNano, limits: limits)
        for a in attributes { span.setAttribute(a.key, a.value) }
        return span
    }

    /// Two zero draws (only a replay that ran out of draws gives them) would make the invalid
    /// all-zero id; 1 stands in without a third draw, so the draw count stays fixed.
    static func nonZeroTraceID(_ high: UInt64, _ low: UInt64) -> TraceID {
        TraceID(high: high, low: low) ?? TraceID(high: 0, low: 1)!
    }
}

/// A span being recorded. Unsampled spans still carry a context to propagate (flags 00) but
/// keep nothing, so tracing at ratio 0.01 costs 99 % of spans no attribute or event storage.
public struct Span: Sendable {
    public let context: TraceContext
    public let parentSpanID: SpanID?
    public let isRecording: Bool
    private var data: SpanData
    private let limits: SpanLimits

    init(context: TraceContext, parent: TraceContext?, name: String, kind: SpanKind, start_unixNano: UInt64, limits: SpanLimits) {
        self.context = context
        self.parentSpanID = parent?.spanID
        self.isRecording = context.sampled
        self.limits = limits
        data = SpanData(context: context, parentSpanID: parent?.spanID, parentIsRemote: parent?.isRemote ?? false, name: name, kind: kind,
                        start_unixNano: start_unixNano, end_unixNano: start_unixNano)
    }

    /// Sets (or replaces) an attribute; past `limits.attributes` distinct keys it is counted as dropped.
    public mutating func setAttribute(_ key: String, _ value: AttributeValue) {
        guard isRecording else { return }
        let v = limits.clamp(value)
        if let i = data.attributes.firstIndex(where: { $0.key == key }) {
            data.attributes[i].value = v
        } else if data.attributes.count < limits.attributes {
            data.attributes.append(SpanAttribute(key, v))
        } else {
            data.droppedAttributes += 1
        }
    }

    public mutating func addEvent(_ name: String, at time_unixNano: UInt64, attributes: [SpanAttribute] = []) {
        guard isRecording else { return }
        guard data.events.count < limits.events else {
            data.droppedEvents += 1
            return
        }
        let kept = attributes.prefix(limits.attributesPerEvent).map { SpanAttribute($0.key, limits.clamp($0.value)) }
        data.events.append(SpanEvent(name: name, time_unixNano: time_unixNano, attributes: kept,
                                     droppedAttributes: attributes.count - kept.count))
    }

    /// The OTel API's rules: setting unset is ignored, ok is final, and a later error replaces
    /// an earlier one (its message says what happened last).
    public mutating func setStatus(_ status: SpanStatus) {
        guard isRecording, status.code != .unset, data.status.code != .ok else { return }
        data.status = status
    }

    /// The finished span for the exporter, or nil when it is not sampled. An end before the
    /// start (a wall clock stepped back) is clamped to the start so durations are never negative.
    public func end(at end_unixNano: UInt64) -> SpanData? {
        guard isRecording else { return nil }
        var d = data
        d.end_unixNano = max(end_unixNano, d.start_unixNano)
        return d
    }
}
