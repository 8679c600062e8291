/// Wraps a real entropy source and remembers each draw, so the recorder can write the draws
/// an event consumed next to that event.
public final class RecordingEntropy: EntropySource {
    private let base: EntropySource
    private var drawn: [UInt64] = []
    public init(_ base: EntropySource) { self.base = base }
    public func next64() -> UInt64 {
        let v = base.next64()
        drawn.append(v)
        return v
    }
    public func takeDraws() -> [UInt64] {
        defer { drawn.removeAll(keepingCapacity: true) }
        return drawn
    }
}

/// Hands back recorded draws. Asking for more than were recorded is a divergence, noted and
/// answered with zero so the replay can report where it happened.
public final class ReplayEntropy: EntropySource {
    private var queue: [UInt64] = []
    private var index = 0
    public private(set) var overdrawn = false
    public init() {}
    public func load(_ draws: [UInt64]) {
        queue = draws
        index = 0
    }
    public var unused: Int { queue.count - index }
    public func next64() -> UInt64 {
        guard index < queue.count else {
            overdrawn = true
            return 0
        }
        defer { index += 1 }
        return queue[index]
    }
}

/// A seeded generator (`SplitMix64`) for fault schedules and tests: same seed, same run.
public final class SeededEntropy: EntropySource {
    private var generator: SplitMix64
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    public func next64() -> UInt64 { generator.next() }
    /// Uniform in [0, 1).
    public func unit() -> Double { generator.unit() }
}
