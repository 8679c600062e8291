import RcomCore

/// The unguessable name of one waiting client: 128 random bits, written in callback URLs as 32
/// lower-case hex digits. Kept as two integers, not a String: the correlate stage hashes it in
/// five tables per job and remembers up to `finishedTokensMax` of them.
struct CallbackToken: Hashable, Comparable, Sendable, CustomStringConvertible {
    let high: UInt64
    let low: UInt64

    /// Two draws, in the order `EntropySource.hexToken(bits: 128)` writes them (traces replay).
    init(drawingFrom entropy: EntropySource) {
        high = entropy.next64()
        low = entropy.next64()
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Exactly 32 lower-case hex digits (as the proxy writes them), else nil.
    init?(hex: Substring) {
        let digits = hex.utf8
        guard digits.count == 32 else { return nil }
        var words: (UInt64, UInt64) = (0, 0)
        for (i, c) in digits.enumerated() {
            let d: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt64(c - UInt8(ascii: "a") + 10)
            default: return nil
            }
            if i < 16 { words.0 = words.0 << 4 | d } else { words.1 = words.1 << 4 | d }
        }
        (high, low) = words
    }

    var description: String { HexText.lowercase([high, low]) }

    func hash(into hasher: inout Hasher) {
        hasher.combine(high)
        hasher.combine(low)
    }

    /// The bucket hash of the registry's tables (looked up several times per job) is a multiply
    /// of the token's own bits, not SipHash: tokens are 128 random bits the proxy draws itself,
    /// so nobody can choose keys that collide (a forged token is only ever looked up, never
    /// stored), and an odd multiplier keeps distinct low bits distinct.
    func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: (high ^ (low &* 0xFF51_AFD7_ED55_8CCD) &+ UInt64(UInt(bitPattern: seed))) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Numeric order, which is also the order of the hex text.
    static func < (a: CallbackToken, b: CallbackToken) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
