import RcomStore

/// A window of consecutive lines gathered from prepared batches, sorted as a whole, then applied
/// in transactions of `batchLines` addresses. Sorting the window rather than each batch is what
/// gives the writes B-tree locality: 2,000 addresses spread over 250,000 sorted ones are
/// neighbours in the table, while 2,000 sorted on their own are one per page.
struct ImportWindow {
    let startLine: Int
    let startOffset: Int64
    private(set) var endLine: Int
    private(set) var endOffset: Int64
    private(set) var isLast = false
    /// Lines, valid, malformed, blank, duplicates of the whole window (added at its last commit).
    private(set) var lineCounters = ImportCounters()
    private(set) var suppressions = SuppressionBatch()
    private var sortKeys: [SortKey] = []
    private(set) var malformedSamples: [MalformedLine] = []

    init(startLine: Int, startOffset: Int64) {
        self.startLine = startLine
        self.startOffset = startOffset
        endLine = startLine
        endOffset = startOffset
    }

    var lineCount: Int { endLine - startLine }

    /// Appends the next batch in file order. Repeats of earlier lines are dropped by `finish`.
    mutating func add(_ prepared: PreparedBatch, samplesMax: Int) {
        precondition(prepared.firstLine == endLine, "batches must arrive in file order")
        let shift = suppressions.bytes.count
        suppressions.bytes.append(contentsOf: prepared.suppressions.bytes)
        for entry in prepared.suppressions.entries {
            var moved = entry
            moved.email = (entry.email.lowerBound + shift)..<(entry.email.upperBound + shift)
            moved.reason = (entry.reason.lowerBound + shift)..<(entry.reason.upperBound + shift)
            suppressions.entries.append(moved)
        }
        sortKeys.append(contentsOf: prepared.sortKeys)
        lineCounters = lineCounters + prepared.counters
        endLine += prepared.lineCount
        endOffset = prepared.endOffset
        isLast = prepared.isLast
        let room = samplesMax - malformedSamples.count
        if room > 0 { malformedSamples.append(contentsOf: prepared.malformedSamples.prefix(room)) }
    }

    /// Sorts the window's addresses in byte order (SQLite's BINARY collation, the key's order) and
    /// drops repeats: of an earlier line in this window (equal neighbours once sorted; the sort
    /// is stable and batches arrive in file order, so the earliest line is kept) and of earlier
    /// windows (`seen`). Then remembers this window's addresses in `seen` for the windows after
    /// it; the last window has none, so a file that fits in one window never hashes an address.
    /// Each batch arrives sorted, so the standard library's run-detecting sort mostly merges.
    mutating func finish(seen: inout AddressSet) {
        struct Item { var key: SortKey; var index: Int32 }
        var items = sortKeys.enumerated().map { Item(key: $1, index: Int32($0)) }
        let entries = suppressions.entries
        var kept: [SuppressionBatch.Entry] = []
        var keptKeys: [SortKey] = []
        kept.reserveCapacity(entries.count)
        keptKeys.reserveCapacity(entries.count)
        var repeats = 0
        let remember = !isLast
        suppressions.bytes.withUnsafeBufferPointer { arena in
            items.sort { a, b in
                if a.key != b.key { return a.key < b.key }
                return BatchPreparer.compare(arena, entries[Int(a.index)].email, entries[Int(b.index)].email) < 0
            }
            var previous: Item? = nil
            for item in items {
                let entry = entries[Int(item.index)]
                if let p = previous, p.key == item.key,
                   BatchPreparer.compare(arena, entries[Int(p.index)].email, entry.email) == 0 {
                    repeats += 1
                    continue
                }
                previous = item
                if remember || seen.count > 0 {
                    let email = UnsafeBufferPointer(rebasing: arena[entry.email])
                    let hash = AddressSet.hash(email)
                    let new = remember ? seen.insert(email, hash: hash) : !seen.contains(email, hash: hash)
                    guard new else { repeats += 1; continue }
                }
                kept.append(entry)
                keptKeys.append(item.key)
            }
        }
        suppressions.entries = kept
        sortKeys = keptKeys
        lineCounters.duplicates += repeats
    }

    /// The index of the first entry after `address` (for resuming mid-window); entries must be sorted.
    func firstIndex(after address: String) -> Int {
        let key = Array(address.utf8)
        return suppressions.bytes.withUnsafeBufferPointer { arena in
            key.withUnsafeBufferPointer { k in
                var lo = 0, hi = suppressions.entries.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    let e = suppressions.entries[mid].email
                    if Self.compare(arena[e], k) <= 0 { lo = mid + 1 } else { hi = mid }
                }
                return lo
            }
        }
    }

    private static func compare(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count - b.count
    }

    func email(at index: Int) -> String { suppressions.string(suppressions.entries[index].email) }

    /// Entries `range` as a batch sharing this window's bytes (copy-on-write: no copy is made).
    func batch(_ range: Range<Int>) -> SuppressionBatch {
        SuppressionBatch(bytes: suppressions.bytes, entries: Array(suppressions.entries[range]))
    }
}
