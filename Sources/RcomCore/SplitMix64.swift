/// SplitMix64: a small, fast, seedable generator. The same seed gives the same sequence on every
/// machine (the standard library's generator is neither seedable nor stable across versions), so
/// sample data, fault schedules and simulations replay exactly from their seed. The one copy:
/// `SeededEntropy` (the reactor's entropy for fault schedules) and `rcom blacklist generate` use it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n without the modulo bias mattering for our sizes (n ≤ 2^32).
    public mutating func below(_ n: Int) -> Int { Int((next() >> 32) % UInt64(n)) }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }
}
