import Foundation

/// The normalised addresses seen so far in one file, for counting repeats across batches.
/// Open addressing over one byte arena: about 40 bytes per address instead of a String each.
///
/// Bound: at `addressesMax` distinct addresses it stops remembering new ones. Past that point a
/// repeat is no longer counted as a duplicate; it reaches the store and counts as
/// "already suppressed" (or "not subscribed") instead. The store's state is the same either way.
struct AddressSet: Sendable {
    static let defaultAddressesMax = 20_000_000

    let addressesMax: Int
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var lengths: [UInt16] = []
    private var hashes: [UInt64] = []
    /// Index into `starts`/`lengths`/`hashes`, or -1 for an empty slot. Power-of-two sized.
    private var slots: [Int32]
    private(set) var isFull = false

    init(addressesMax: Int = AddressSet.defaultAddressesMax) {
        precondition(addressesMax < Int(Int32.max), "slot indices are Int32")
        self.addressesMax = addressesMax
        slots = Array(repeating: -1, count: 1 << 16)
    }

    var count: Int { starts.count }

    /// FNV-1a, 64 bit: plenty for table placement; equality is decided on the bytes.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Adds the address; false when it was already present.
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
        var mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] >= 0 {
            let e = Int(slots[i])
            if hashes[e] == hash, equal(e, bytes) { return false }
            i = (i + 1) & mask
        }
        guard count < addressesMax else { isFull = true; return true }
        slots[i] = Int32(count)
        starts.append(arena.count)
        lengths.append(UInt16(bytes.count))
        hashes.append(hash)
        arena.append(contentsOf: bytes)
        if count * 4 > slots.count * 3 {
            grow()
            mask = slots.count - 1
        }
        return true
    }

    /// True when the address was inserted before (or the set is full and it may have been).
    func contains(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] >= 0 {
            let e = Int(slots[i])
            if hashes[e] == hash, equal(e, bytes) { return true }
            i = (i + 1) & mask
        }
        return false
    }

    private func equal(_ e: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(lengths[e]) == bytes.count else { return false }
        guard let other = bytes.baseAddress else { return true }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + starts[e], other, bytes.count) == 0 }
    }

    private mutating func grow() {
        var bigger = [Int32](repeating: -1, count: slots.count * 2)
        let mask = bigger.count - 1
        for e in 0..<count {
            var i = Int(truncatingIfNeeded: hashes[e]) & mask
            while bigger[i] >= 0 { i = (i + 1) & mask }
            bigger[i] = Int32(e)
        }
        slots = bigger
    }
}
