/// A run of complete input lines as read from the file, before any parsing.
/// `bytes` holds exactly `lineCount` lines, each ending in "\n" except possibly the file's last.
struct RawBatch: Sendable {
    /// Position in the file, from 0; the writer applies batches in this order.
    var seq: Int
    /// 1-based line number of the first line in `bytes`.
    var firstLine: Int
    var lineCount: Int
    /// File offset just past the last line: where the next batch (and a resume) starts.
    var endOffset: Int64
    /// True for the batch that reaches the end of the fingerprinted file.
    var isLast: Bool
    /// True when the sort window ends with this batch (batches never straddle a window).
    var closesWindow: Bool
    var bytes: [UInt8]
    /// JSON formats: the file offset where each record starts, for messages about it. Empty for
    /// lines.
    var recordStarts: [Int64] = []
}
