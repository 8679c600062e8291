/// A Prometheus histogram with fixed upper bounds (`le`), in the metric's base unit (seconds,
/// bytes).
///
/// Why fixed: observing happens on the reactor thread for every request, so it must cost a
/// few comparisons and three additions. The bucket counts are one array allocated at `init`
/// and mutated in place afterwards (the owner holds the only reference), so `observe`
/// allocates nothing. Counts are kept per bucket and made cumulative only when rendered.
public struct Histogram: Sendable {
    /// Upper bounds, strictly increasing and finite; `+Inf` is implicit.
    public let bounds: [Double]
    /// Observations per bucket (not cumulative): `bucketCounts[i]` counts values in
    /// (bounds[i-1], bounds[i]]; the last element counts values above every bound.
    public private(set) var bucketCounts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(bounds: [Double]) {
        precondition(!bounds.isEmpty, "a histogram needs at least one bound")
        precondition(bounds.allSatisfy(\.isFinite), "bounds must be finite (+Inf is implicit)")
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must increase strictly")
        self.bounds = bounds
        bucketCounts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Counts `value` in the first bucket whose bound is ≥ it. NaN is ignored: it would poison
    /// `_sum` for the life of the process.
    public mutating func observe(_ value: Double) {
        guard !value.isNaN else { return }
        // Linear: histograms here have ~15 bounds, and most observations fall in the first few.
        var i = 0
        while i < bounds.count && value > bounds[i] { i += 1 }
        bucketCounts[i] &+= 1
        sum += value
        count &+= 1
    }

    /// A duration between two monotonic instants, in seconds. An end before the start (a
    /// caller's mistake, never a clock's) counts as zero rather than wrapping.
    public mutating func observe(from start: Instant_ns, to end: Instant_ns) {
        observe(Double(end >= start ? end - start : 0) / 1e9)
    }

    /// Cumulative counts per bound, then the `+Inf` count (== `count`), as Prometheus wants them.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return bucketCounts.map { running &+= $0; return running }
    }
}

/// Bucket bounds shared by the servers, in seconds.
public enum HistogramBuckets {
    /// Request latencies from sub-millisecond to the proxy's timeouts.
    public static let latency: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    /// Durations around the job server's 500 ms job: fine steps just above it, where a proxy's
    /// or a callback's overhead shows, and coarse ones out to the callback timeout.
    public static let jobDuration: [Double] = [0.1, 0.25, 0.5, 0.505, 0.51, 0.525, 0.55, 0.6, 0.75, 1, 2.5, 5, 10, 30, 60]
}
