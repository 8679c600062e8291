/// The first 16 bytes of an address as two big-endian integers, zero-padded: comparing keys
/// orders addresses as memcmp does, so sorting compares integers and only reads the bytes when
/// two addresses share their first 16 (addresses hold no NUL, so padding cannot tie falsely
/// except for equal prefixes, which the tie-break then settles).
struct SortKey: Sendable, Comparable {
    var high: UInt64 = 0
    var low: UInt64 = 0

    init() {}

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        for i in 0..<8 { high = high << 8 | (i < bytes.count ? UInt64(bytes[i]) : 0) }
        for i in 8..<16 { low = low << 8 | (i < bytes.count ? UInt64(bytes[i]) : 0) }
    }

    static func < (a: SortKey, b: SortKey) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
}
