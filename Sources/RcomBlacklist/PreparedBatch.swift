import RcomStore

/// A batch after parsing: what the writer needs and nothing else.
/// `suppressions` is sorted by email (B-tree order) and holds each address once.
/// Repeats of earlier batches are dropped later, when the window is sorted.
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
    /// linesRead, valid, malformed, blank and the duplicates found inside this batch.
    var counters: ImportCounters
    /// The first malformed lines of this batch, at most `samplesMax` of them.
    var malformedSamples: [MalformedLine]
}
