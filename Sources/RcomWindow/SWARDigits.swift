/// Parses up to eight ASCII digits held in one 64-bit word ("SIMD within a register").
///
/// The per-byte digit loop is a chain of dependent multiply-adds whose exit branch is
/// mispredicted whenever the number length changes; reading eight bytes at once and finding
/// the digit run with bit arithmetic removes both. Bytes are taken in memory order: the word
/// is loaded little-endian, so byte 0 is the lowest.
enum SWARDigits {
    /// How many leading bytes of `word` are ASCII digits (0...8).
    @inline(__always)
    static func digitCount(_ word: UInt64) -> Int {
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        let zeros: UInt64 = 0x3030_3030_3030_3030
        // A byte is a digit when its high nibble is 3 and adding 6 does not carry out of the
        // low nibble (low nibble ≤ 9). Non-zero bytes of `bad` mark non-digits.
        let bad = ((word & high) ^ zeros) | (((word &+ 0x0606_0606_0606_0606) & high) ^ zeros)
        // Sets the top bit of every non-zero byte without carries between bytes.
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let nonZero = (((bad & low7) &+ low7) | bad) & 0x8080_8080_8080_8080
        return nonZero.trailingZeroBitCount >> 3
    }

    /// The value of the first `count` bytes of `word`, which must all be digits (1...8).
    @inline(__always)
    static func value(_ word: UInt64, count: Int) -> UInt64 {
        // Shift the digits to the top so the missing ones become leading zeros, then combine
        // pairs, quads and octets: three multiplies instead of eight.
        var v = (word &- 0x3030_3030_3030_3030) &<< UInt64(64 &- 8 &* count)
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        v = (v &* 10000 &+ (v >> 32)) & 0x0000_0000_FFFF_FFFF
        return v
    }
}
