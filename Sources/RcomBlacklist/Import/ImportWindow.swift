import Foundation
import RcomStore

/// A window of consecutive lines gathered from prepared batches, sorted as a whole (see
/// `SortedWindow`), then applied in transactions of `batchLines` addresses. Sorting the window rather than each batch is what
/// gives the writes B-tree locality: 2,000 addresses spread over 250,000 sorted ones are
/// neighbours in the table, while 2,000 sorted on their own are one per page.
struct ImportWindow {
    let startLine: Int
    let startOffset: Int64
    private(set) var endLine: Int
    private(set) var endOffset: Int64
    private(set) var isLast = false
    /// Lines, valid, malformed, blank of the whole window (duplicates are found when its sorted
    /// parts are gathered).
    private(set) var lineCounters = ImportCounters()
    private var suppressions = SuppressionBatch()
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

    /// Appends the next batch in file order. Repeats are dropped when the sorted window is gathered.
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

    /// Ends the window: sorts its addresses in byte order (SQLite's BINARY collation, the
    /// key's order), equal addresses in line order. The window gives its buffers to the result.
    /// `parallel`: sort the buckets on two threads.
    mutating func sorted(parallel: Bool) -> SortedWindow {
        let bytes = suppressions.bytes, entries = suppressions.entries
        let order = WindowSort.order(sortKeys, parallel: parallel) { a, b in
            bytes.withUnsafeBufferPointer { BatchPreparer.compare($0, entries[a].email, entries[b].email) }
        }
        let sorted = SortedWindow(suppressions: suppressions, reasonIndex: reasonIndex, reasonTexts: reasonTexts,
                                  order: order, isLast: isLast)
        sortKeys = []
        suppressions = SuppressionBatch()
        reasonIndex = []
        reasonTexts = []
        reasonLookup = [:]
        return sorted
    }
}
