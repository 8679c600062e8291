import RcomStore

/// A batch after parsing: what the writer needs and nothing else.
/// `suppressions` holds the valid lines' addresses in line order, repeats included: the window
/// sorts them and drops the repeats.
struct PreparedBatch: Sendable {
    var seq: Int
    var firstLine: Int
    var lineCount: Int
    var endOffset: Int64
    var isLast: Bool
    var closesWindow: Bool
    var suppressions: SuppressionBatch
    /// `sortKeys[i]` is the `SortKey` of the same address.
    var sortKeys: [SortKey]
    /// linesRead, valid, malformed, blank (duplicates are counted by the window).
    var counters: ImportCounters
    /// Records of a provider's JSON that do not suppress, by why: counted here, not stored, and
    /// not in `counters` (`SkippedRecords`).
    var skipped = SkippedRecords()
    /// The first malformed lines of this batch, at most `samplesMax` of them.
    var malformedSamples: [MalformedLine]
}
