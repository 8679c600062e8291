/// The head sampler: decides at a span's start whether its trace is recorded and exported.
/// Deterministic from the trace id (OTel TraceIdRatioBased), so every process that sees the
/// same trace id with the same ratio decides the same, and a replay decides the same.
public enum TraceSampler: Equatable, Sendable {
    case alwaysOn
    case alwaysOff
    /// The ratio of root traces kept, in [0, 1].
    case traceIDRatio(Double)
    /// With a parent: the parent's sampled flag decides. Without one: `root` decides.
    indirect case parentBased(root: TraceSampler)

    public func shouldSample(traceID: TraceID, parent: TraceContext?) -> Bool {
        switch self {
        case .alwaysOn: return true
        case .alwaysOff: return false
        case .traceIDRatio(let ratio): return Self.ratioKeeps(traceID, ratio: ratio)
        case .parentBased(let root):
            if let parent { return parent.sampled }
            return root.shouldSample(traceID: traceID, parent: nil)
        }
    }

    /// The rightmost 56 bits of the trace id are its randomness R (W3C Trace Context level 2's
    /// random bits; OTel's TraceIdRatioBased reads the same bits). The trace is kept when
    /// R >= T with T = (1 - ratio) * 2^56, rounded: ratio 0 gives T = 2^56 (never, exactly),
    /// ratio 1 gives T = 0 (always, exactly), and a trace kept at one ratio is kept at every
    /// higher ratio.
    static func ratioKeeps(_ traceID: TraceID, ratio: Double) -> Bool {
        threshold(ratio: ratio) <= traceID.low & randomnessMask
    }

    static let randomnessMask: UInt64 = (1 << 56) - 1

    static func threshold(ratio: Double) -> UInt64 {
        guard ratio > 0 else { return 1 << 56 }
        guard ratio < 1 else { return 0 }
        let keep = (ratio * 0x1p56).rounded()
        return (1 << 56) - UInt64(keep)
    }
}
