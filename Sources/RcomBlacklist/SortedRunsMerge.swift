/// A k-way merge of sorted runs laid end to end (a window's batches, each sorted by its
/// preparer), by a binary heap of run heads keyed on `SortKey`.
///
/// Why not sort the window: the standard library's stable sort found the runs but merged them
/// pass after pass, moving every 24-byte item through a scratch buffer about eight times (its
/// `memmove`s were 4 % of an import). Here each element is visited once, in order, and nothing
/// is moved; the caller copies what it keeps straight to its destination.
enum SortedRunsMerge {
    private struct Head {
        var key: SortKey
        var index: Int32
        var end: Int32
    }

    /// Calls `emit` with every index of `keys`, in ascending order of address. `runEnds` are the
    /// runs' exclusive ends, ascending; each run is sorted. `tieBreak(a, b)` compares the full
    /// addresses at two indices whose keys are equal (memcmp order: < 0, 0, > 0). Equal
    /// addresses come out in index order, so the earliest line comes first.
    static func merge(keys: UnsafeBufferPointer<SortKey>, runEnds: [Int],
                      tieBreak: (Int, Int) -> Int, emit: (Int) -> Void) {
        var heap: [Head] = []
        heap.reserveCapacity(runEnds.count)
        var start = 0
        for end in runEnds {
            precondition(end >= start && end <= keys.count, "run ends must ascend within the keys")
            if end > start { heap.append(Head(key: keys[start], index: Int32(start), end: Int32(end))) }
            start = end
        }
        @inline(__always) func before(_ a: Head, _ b: Head) -> Bool {
            if a.key != b.key { return a.key < b.key }
            let order = tieBreak(Int(a.index), Int(b.index))
            return order != 0 ? order < 0 : a.index < b.index
        }
        heap.withUnsafeMutableBufferPointer { h in
            var count = h.count
            func siftDown(_ from: Int) {
                var i = from
                let item = h[i]
                while true {
                    var child = 2 * i + 1
                    if child >= count { break }
                    if child + 1 < count, before(h[child + 1], h[child]) { child += 1 }
                    if !before(h[child], item) { break }
                    h[i] = h[child]
                    i = child
                }
                h[i] = item
            }
            if count > 1 {
                for i in stride(from: count / 2 - 1, through: 0, by: -1) { siftDown(i) }
            }
            while count > 0 {
                let top = h[0]
                emit(Int(top.index))
                let next = top.index + 1
                if next < top.end {
                    h[0] = Head(key: keys[Int(next)], index: next, end: top.end)
                } else {
                    count -= 1
                    h[0] = h[count]
                }
                if count > 1 { siftDown(0) }
            }
        }
    }
}
