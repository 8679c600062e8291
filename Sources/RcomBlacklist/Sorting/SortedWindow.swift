import CShims
import Foundation
import RcomStore

/// A window after sorting: its addresses in line order plus the order that sorts them.
/// Read-only, so any thread may gather its parts.
///
/// Parts: consecutive slices of the sorted order (about `partAddresses` addresses each) that the
/// writer applies one after another. Gathering a part copies its kept addresses, in order, into
/// a batch of its own. Why parts rather than one sorted copy of the whole window: a part is
/// small enough to still be in cache when SQLite reads it, its memory is reused by the next
/// part (the whole-window copy faulted in 34 MB), and in concurrent mode the next part is
/// gathered on another thread while the writer applies this one.
struct SortedWindow: Sendable {
    let suppressions: SuppressionBatch
    /// `reasonIndex[i]` is entry i's reason in `reasonTexts`.
    let reasonIndex: [Int32]
    let reasonTexts: [[UInt8]]
    let order: [WindowSort.Item]
    /// No window follows: its addresses need not be remembered for later windows.
    let isLast: Bool

    /// memcmp order of the addresses of entries `a` and `b`.
    func compare(_ a: Int, _ b: Int) -> Int {
        suppressions.bytes.withUnsafeBufferPointer { arena in
            BatchPreparer.compare(arena, suppressions.entries[a].email, suppressions.entries[b].email)
        }
    }

    func sameAddress(_ a: WindowSort.Item, _ b: WindowSort.Item) -> Bool {
        a.key == b.key && compare(Int(a.index), Int(b.index)) == 0
    }

    /// Slices of `order` of about `partItems` addresses each, never splitting equal addresses (so every
    /// repeat is dropped inside one part). At least one, empty for an empty window, so that
    /// every window ends with a commit.
    func parts(ofAbout partItems: Int) -> [Range<Int>] {
        precondition(partItems > 0)
        guard !order.isEmpty else { return [0..<0] }
        var parts: [Range<Int>] = []
        var start = 0
        while start < order.count {
            var end = min(start + partItems, order.count)
            while end < order.count, sameAddress(order[end - 1], order[end]) { end += 1 }
            parts.append(start..<end)
            start = end
        }
        return parts
    }
}

/// One gathered part: its kept addresses in sort order, each distinct reason stored once.
struct WindowPart: Sendable {
    var batch: SuppressionBatch
    /// The slice of the window's sorted order it came from.
    var range: Range<Int>
    /// Addresses dropped as repeats (of this window or of an earlier one).
    var repeats: Int
}

/// Gathers a sorted window's parts, in order, dropping repeats: equal neighbours (the earliest
/// line is first among equals) and addresses of earlier windows (`seen`). It owns `seen` for
/// the window, which it extends with this window's addresses unless the window is the last.
struct WindowGatherer: Sendable {
    let window: SortedWindow
    private(set) var seen: AddressSet
    /// Per reason text, the part that last copied it and where: each text once per part.
    private var reasonPart: [Int]
    private var reasonRange: [Range<Int>]
    private var parts = 0

    init(window: SortedWindow, seen: AddressSet) {
        self.window = window
        self.seen = seen
        reasonPart = Array(repeating: 0, count: window.reasonTexts.count)
        reasonRange = Array(repeating: 0..<0, count: window.reasonTexts.count)
    }

    /// How many addresses ahead `gather` asks for memory: enough to cover a miss to DRAM at the
    /// loop's pace; the email's own prefetch waits for half that, when its entry has arrived.
    static let prefetchDistance = 16

    mutating func gather(_ range: Range<Int>) -> WindowPart {
        parts += 1
        let remember = !window.isLast
        let entries = window.suppressions.entries
        var out = SuppressionBatch()
        out.entries.reserveCapacity(range.count)
        out.bytes.reserveCapacity(range.count * 32)
        var repeats = 0
        let order = window.order
        window.suppressions.bytes.withUnsafeBufferPointer { arena in
            entries.withUnsafeBufferPointer { entries in
                var previous: WindowSort.Item? = nil
                for position in range {
                    // The entries and their emails are read in sort order, which is random order
                    // in memory: ask for them a few addresses ahead, so the misses overlap.
                    let ahead = position + Self.prefetchDistance
                    if ahead < range.upperBound { rcom_prefetch(entries.baseAddress! + Int(order[ahead].index)) }
                    let near = position + Self.prefetchDistance / 2
                    if near < range.upperBound {
                        rcom_prefetch(arena.baseAddress! + entries[Int(order[near].index)].email.lowerBound)
                    }
                    let item = order[position]
                    if let p = previous, window.sameAddress(p, item) {
                        repeats += 1
                        continue
                    }
                    previous = item
                    let entry = entries[Int(item.index)]
                    let email = UnsafeBufferPointer(rebasing: arena[entry.email])
                    if remember || seen.count > 0 {
                        let hash = AddressSet.hash(email)
                        let new = remember ? seen.insert(email, hash: hash) : !seen.contains(email, hash: hash)
                        guard new else { repeats += 1; continue }
                    }
                    let r = Int(window.reasonIndex[Int(item.index)])
                    if reasonPart[r] != parts {
                        reasonPart[r] = parts
                        reasonRange[r] = out.store(window.reasonTexts[r])
                    }
                    out.entries.append(SuppressionBatch.Entry(email: out.store(email), reason: reasonRange[r],
                                                              suppressedAt_s: entry.suppressedAt_s))
                }
            }
        }
        return WindowPart(batch: out, range: range, repeats: repeats)
    }
}

extension SuppressionBatch {
    /// The index of the first entry whose email sorts after `address` (entries must be sorted).
    func firstIndex(after address: String) -> Int {
        let key = Array(address.utf8)
        return bytes.withUnsafeBufferPointer { arena in
            key.withUnsafeBufferPointer { k in
                var lo = 0, hi = entries.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    let e = entries[mid].email
                    let n = min(e.count, k.count)
                    let c = n == 0 ? 0 : Int(memcmp(arena.baseAddress! + e.lowerBound, k.baseAddress!, n))
                    if (c != 0 ? c : e.count - k.count) <= 0 { lo = mid + 1 } else { hi = mid }
                }
                return lo
            }
        }
    }
}
