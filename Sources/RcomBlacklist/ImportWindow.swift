import Foundation
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
    /// `reasonIndex[i]` is entry i's reason in `reasonTexts`: each distinct text once per window.
    private var reasonIndex: [Int32] = []
    private var reasonTexts: [[UInt8]] = []
    private var reasonLookup: [[UInt8]: Int32] = [:]
    private(set) var malformedSamples: [MalformedLine] = []

    /// Lines this window is expected to hold (the window size, or what is left of the file):
    /// its buffers are sized from the first batch for that many, once.
    private let expectedLines: Int

    init(startLine: Int, startOffset: Int64, expectedLines: Int = 0) {
        self.startLine = startLine
        self.startOffset = startOffset
        self.expectedLines = expectedLines
        endLine = startLine
        endOffset = startOffset
    }

    /// Sizes the window's buffers from the first batch. Why: grown by doubling, the 500k-line
    /// window copied its ~70 MB of arrays again and again and faulted in every new copy (three
    /// quarters of the import's page faults). Reserved pages that stay unused are never touched,
    /// so a generous estimate costs address space, not memory. Bound: `expectedLines`.
    private mutating func reserve(scaledFrom first: PreparedBatch) {
        guard expectedLines > first.lineCount, first.lineCount > 0 else { return }
        let scale = Double(expectedLines) / Double(first.lineCount) * 1.1
        suppressions.bytes.reserveCapacity(Int(Double(first.suppressions.bytes.count) * scale) + 4_096)
        let entries = Int(Double(first.suppressions.entries.count) * scale) + 64
        suppressions.entries.reserveCapacity(entries)
        sortKeys.reserveCapacity(entries)
        reasonIndex.reserveCapacity(entries)
    }

    var lineCount: Int { endLine - startLine }

    /// Appends the next batch in file order. Repeats are dropped by `finish`.
    mutating func add(_ prepared: PreparedBatch, samplesMax: Int) {
        precondition(prepared.firstLine == endLine, "batches must arrive in file order")
        if endLine == startLine { reserve(scaledFrom: prepared) }
        let shift = suppressions.bytes.count
        suppressions.bytes.append(contentsOf: prepared.suppressions.bytes)
        // A batch stores each repeated reason once, so only its few distinct ranges are hashed.
        var batchReasons: [(range: Range<Int>, index: Int32)] = []
        for entry in prepared.suppressions.entries {
            if let known = batchReasons.first(where: { $0.range == entry.reason }) {
                reasonIndex.append(known.index)
            } else {
                let text = Array(prepared.suppressions.bytes[entry.reason])
                let index = reasonLookup[text] ?? {
                    reasonTexts.append(text)
                    reasonLookup[text] = Int32(reasonTexts.count - 1)
                    return Int32(reasonTexts.count - 1)
                }()
                // Bound the scan: a file whose every line has its own reason hashes each one.
                if batchReasons.count < 64 { batchReasons.append((entry.reason, index)) }
                reasonIndex.append(index)
            }
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
    /// drops repeats: of an earlier line in this window (equal neighbours once sorted; equal
    /// addresses sort in line order, so the earliest line is kept) and of earlier windows
    /// (`seen`). Then remembers this window's addresses in `seen` for the windows after it; the
    /// last window has none, so a file that fits in one window never hashes an address.
    ///
    /// The kept entries are written straight into a new arena in sort order, each distinct reason
    /// once (so the store's reason cache hits on the range alone). Why the copy: in sort order,
    /// the emails lie at scattered places of the arena, so each insert's first touch of its key
    /// (inside SQLite's memcmp) was a cache miss; this loop's iterations are independent, so the
    /// memory system overlaps those misses, and the writer then reads its keys in sequence.
    mutating func finish(seen: inout AddressSet) {
        reasonLookup = [:]
        let entries = suppressions.entries
        let texts = reasonTexts
        let reasons = reasonIndex
        var newEntries: [SuppressionBatch.Entry] = []
        newEntries.reserveCapacity(entries.count)
        var repeats = 0
        let remember = !isLast
        // An upper bound (every email kept, plus the reason texts); pages left unused are never touched.
        let capacity = suppressions.bytes.count + texts.reduce(0) { $0 + $1.count }
        let bytes = suppressions.bytes.withUnsafeBufferPointer { arena in
            let order = WindowSort.order(sortKeys) { a, b in
                BatchPreparer.compare(arena, entries[a].email, entries[b].email)
            }
            sortKeys = []
            return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                let base = out.baseAddress!
                var textRanges: [Range<Int>] = []
                textRanges.reserveCapacity(texts.count)
                for text in texts {
                    text.withUnsafeBufferPointer { t in
                        if let p = t.baseAddress { memcpy(base + count, p, t.count) }
                    }
                    textRanges.append(count..<(count + text.count))
                    count += text.count
                }
                let from = arena.baseAddress!
                var previous: WindowSort.Item? = nil
                for item in order {
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
                    let n = entry.email.count
                    memcpy(base + count, from + entry.email.lowerBound, n)
                    newEntries.append(SuppressionBatch.Entry(email: count..<(count + n),
                                                             reason: textRanges[Int(reasons[Int(item.index)])],
                                                             suppressedAt_s: entry.suppressedAt_s))
                    count += n
                }
            }
        }
        suppressions = SuppressionBatch(bytes: bytes, entries: newEntries)
        reasonIndex = []
        reasonTexts = []
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
}
