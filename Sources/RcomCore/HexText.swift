/// 64-bit words as lower-case hex, 16 digits each, most significant first (tokens in URLs).
public enum HexText {
    /// Made once, not per call (a callback token is written per job).
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func lowercase(_ words: [UInt64]) -> String {
        let digits = Self.digits
        return String(unsafeUninitializedCapacity: words.count * 16) { out in
            for (w, word) in words.enumerated() {
                var v = word
                for i in stride(from: 15, through: 0, by: -1) {
                    out[w * 16 + i] = digits[Int(v & 0xf)]
                    v >>= 4
                }
            }
            return words.count * 16
        }
    }
}
