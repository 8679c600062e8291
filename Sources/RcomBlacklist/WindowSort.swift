/// Orders a window's addresses: one counting pass that buckets them by their first two bytes,
/// then a comparison sort of each bucket on its own.
///
/// Why: a window is 500,000 addresses. Sorted per batch and then merged (a heap over 250 runs),
/// the merge cost 300–600 ns per address: every step missed the cache in three arrays per run
/// and took unpredictable branches. Bucketing is two sequential passes, and each bucket (a few
/// hundred addresses on average, a few tens of thousands for the most common first letters)
/// is then sorted within the caches. Worst case, every address shares its first two bytes: one
/// bucket, and this is an ordinary comparison sort.
enum WindowSort {
    struct Item: Sendable {
        var key: SortKey
        var index: Int32
    }

    /// 16 bits of the key: 65,536 buckets, their counts 512 KiB.
    private static let bucketBits = 16

    /// The indices of `keys` in ascending order of address, each with its key. `tieBreak(a, b)`
    /// compares the full addresses at two indices whose keys are equal (memcmp order: < 0, 0,
    /// > 0). Equal addresses come out in index order: the earliest line first.
    static func order(_ keys: [SortKey], tieBreak: (Int, Int) -> Int) -> [Item] {
        precondition(keys.count < Int(Int32.max), "indices are Int32")
        let shift = UInt64(64 - bucketBits)
        var starts = [Int](repeating: 0, count: (1 << bucketBits) + 1)
        for key in keys { starts[Int(key.high >> shift) + 1] += 1 }
        for b in 0..<(1 << bucketBits) { starts[b + 1] += starts[b] }
        var next = starts
        // Scattered in index order, so each bucket starts out in line order.
        var items = [Item](unsafeUninitializedCapacity: keys.count) { out, count in
            for (i, key) in keys.enumerated() {
                let b = Int(key.high >> shift)
                (out.baseAddress! + next[b]).initialize(to: Item(key: key, index: Int32(i)))
                next[b] += 1
            }
            count = keys.count
        }
        items.withUnsafeMutableBufferPointer { all in
            for b in 0..<(1 << bucketBits) where starts[b + 1] - starts[b] > 1 {
                var bucket = UnsafeMutableBufferPointer(rebasing: all[starts[b]..<starts[b + 1]])
                bucket.sort { a, c in
                    if a.key != c.key { return a.key < c.key }
                    let order = tieBreak(Int(a.index), Int(c.index))
                    return order != 0 ? order < 0 : a.index < c.index
                }
            }
        }
        return items
    }
}
