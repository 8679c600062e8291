import RcomCore

/// A token bucket per API key (by the hash of the key presented), sans-IO: time comes in.
/// `rate` tokens a second, at most `burst`; a request takes one or is told how long to wait.
///
/// Bound: `keysMax` buckets; at the bound the table is emptied (every key starts with a full
/// bucket again, which errs towards serving, never towards refusing a key it has not seen).
public struct TokenBuckets {
    public let rate: Double
    public let burst: Double
    public let keysMax: Int
    private var buckets: [String: (tokens: Double, at_ns: Instant_ns)] = [:]

    public init(rate: Double, burst: Double, keysMax: Int = 100_000) {
        precondition(rate > 0 && burst >= 1 && keysMax > 0)
        self.rate = rate
        self.burst = burst
        self.keysMax = keysMax
    }

    /// nil: allowed (a token taken). Else the whole seconds to wait (`Retry-After`), at least 1.
    public mutating func take(_ key: String, now_ns: Instant_ns) -> Int? {
        var b = buckets[key] ?? (burst, now_ns)
        if now_ns > b.at_ns { b.tokens = min(burst, b.tokens + Double(now_ns - b.at_ns) / 1e9 * rate) }
        b.at_ns = max(b.at_ns, now_ns)
        defer {
            if buckets[key] == nil, buckets.count >= keysMax { buckets.removeAll(keepingCapacity: true) }
            buckets[key] = b
        }
        if b.tokens >= 1 {
            b.tokens -= 1
            return nil
        }
        return max(1, Int(((1 - b.tokens) / rate).rounded(.up)))
    }

    public var count: Int { buckets.count }
}
