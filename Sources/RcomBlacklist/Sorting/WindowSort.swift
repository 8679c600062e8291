import Foundation

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
    /// `parallel`: the buckets are sorted by two threads, each taking about half the items.
    static func order(_ keys: [SortKey], parallel: Bool = false,
                      tieBreak: @escaping @Sendable (Int, Int) -> Int) -> [Item] {
        precondition(keys.count < Int(Int32.max), "indices are Int32")
        let shift = UInt64(64 - bucketBits)
        let buckets = 1 << bucketBits
        var starts = [Int](repeating: 0, count: buckets + 1)
        for key in keys { starts[Int(key.high >> shift) + 1] += 1 }
        for b in 0..<buckets { starts[b + 1] += starts[b] }
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
        // The bucket where the second half of the items begins.
        let middle = parallel ? (starts.firstIndex { $0 >= keys.count / 2 } ?? buckets) : buckets
        let halves = [0..<middle, middle..<buckets]
        let bounds = starts
        items.withUnsafeMutableBufferPointer { all in
            let shared = SharedItems(all)
            DispatchQueue.concurrentPerform(iterations: parallel ? 2 : 1) { half in
                for b in halves[half] where bounds[b + 1] - bounds[b] > 1 {
                    var bucket = UnsafeMutableBufferPointer(rebasing: shared.items[bounds[b]..<bounds[b + 1]])
                    bucket.sort { a, c in
                        if a.key != c.key { return a.key < c.key }
                        let order = tieBreak(Int(a.index), Int(c.index))
                        return order != 0 ? order < 0 : a.index < c.index
                    }
                }
            }
        }
        return items
    }
}

/// The items buffer, shared by the two sorting threads. @unchecked: they sort disjoint buckets,
/// and `order` waits for both before it returns.
private struct SharedItems: @unchecked Sendable {
    let items: UnsafeMutableBufferPointer<WindowSort.Item>
    init(_ items: UnsafeMutableBufferPointer<WindowSort.Item>) { self.items = items }
}
