/// How far an import of one file has got, committed atomically with the batch it follows.
///
/// The importer sorts a window of lines before writing (for B-tree locality) and commits it in
/// batches. `nextLine`/`byteOffset` name the first line of the window not yet fully applied:
/// `--resume` seeks to `byteOffset` (which always starts a line) and numbers lines from
/// `nextLine`. Mid-window, `window` says where that window ends and the last address applied
/// in its sort order, so the resumed run re-reads the same lines and skips what is done.
/// The counters are cumulative over the whole file, so a resumed run reports the same totals
/// as an uninterrupted one.
public struct ImportCheckpoint: Sendable, Equatable, Codable {
    /// "size:fnv1a64" of the whole input file; a changed file cannot be resumed.
    public var fingerprint: String
    public var sourcePath: String
    public var nextLine: Int
    public var byteOffset: Int64
    /// Nil at a window boundary.
    public var window: WindowProgress?
    public var batchesCommitted: Int
    public var counters: ImportCounters
    /// Stamps suppressions whose line carries no bounce time (Unix seconds); kept so a resumed
    /// run stamps alike.
    public var importStartedAt_s: Int64
    public var completed: Bool

    public init(fingerprint: String, sourcePath: String, nextLine: Int, byteOffset: Int64,
                window: WindowProgress? = nil, batchesCommitted: Int, counters: ImportCounters,
                importStartedAt_s: Int64, completed: Bool) {
        self.fingerprint = fingerprint
        self.sourcePath = sourcePath
        self.nextLine = nextLine
        self.byteOffset = byteOffset
        self.window = window
        self.batchesCommitted = batchesCommitted
        self.counters = counters
        self.importStartedAt_s = importStartedAt_s
        self.completed = completed
    }
}

/// A window applied in part.
public struct WindowProgress: Sendable, Equatable, Codable {
    /// First line after the window, and where it starts.
    public var endLine: Int
    public var endOffset: Int64
    /// The last address committed, in byte order; everything up to it is done.
    public var appliedThrough: String

    public init(endLine: Int, endOffset: Int64, appliedThrough: String) {
        self.endLine = endLine
        self.endOffset = endOffset
        self.appliedThrough = appliedThrough
    }
}

/// The tallies of an import. Invariants: linesRead = valid + malformed + blank and
/// valid = duplicates + newlySuppressed + alreadySuppressed + notSubscribed.
public struct ImportCounters: Sendable, Equatable, Codable {
    public var linesRead = 0
    public var valid = 0
    public var malformed = 0
    public var blank = 0
    public var duplicates = 0
    public var newlySuppressed = 0
    public var alreadySuppressed = 0
    public var notSubscribed = 0

    public init() {}

    public static func + (a: ImportCounters, b: ImportCounters) -> ImportCounters {
        var sum = ImportCounters()
        sum.linesRead = a.linesRead + b.linesRead
        sum.valid = a.valid + b.valid
        sum.malformed = a.malformed + b.malformed
        sum.blank = a.blank + b.blank
        sum.duplicates = a.duplicates + b.duplicates
        sum.newlySuppressed = a.newlySuppressed + b.newlySuppressed
        sum.alreadySuppressed = a.alreadySuppressed + b.alreadySuppressed
        sum.notSubscribed = a.notSubscribed + b.notSubscribed
        return sum
    }
}

/// The checkpoint upsert both stores run, less their dialects' parameters and clock: one column
/// list, one conflict rule (the row of a file is replaced whole).
extension StoreSchema {
    static let checkpointInsertHead = """
        INSERT INTO import_checkpoints (fingerprint, source_path, next_line, byte_offset,
            window_end_line, window_end_offset, applied_through, batches_committed, lines_read,
            valid, malformed, blank, duplicates, newly_suppressed, already_suppressed,
            not_subscribed, import_started_at, completed, updated_at)
        """
    /// The columns both stores read a checkpoint back from, in this order.
    static let checkpointColumns = """
        fingerprint, source_path, next_line, byte_offset, window_end_line, window_end_offset,
        applied_through, batches_committed, lines_read, valid, malformed, blank, duplicates,
        newly_suppressed, already_suppressed, not_subscribed, import_started_at, completed
        """
    static let checkpointUpsertTail = """
        ON CONFLICT (fingerprint) DO UPDATE SET source_path = excluded.source_path,
            next_line = excluded.next_line, byte_offset = excluded.byte_offset,
            window_end_line = excluded.window_end_line, window_end_offset = excluded.window_end_offset,
            applied_through = excluded.applied_through,
            batches_committed = excluded.batches_committed, lines_read = excluded.lines_read,
            valid = excluded.valid, malformed = excluded.malformed, blank = excluded.blank,
            duplicates = excluded.duplicates, newly_suppressed = excluded.newly_suppressed,
            already_suppressed = excluded.already_suppressed, not_subscribed = excluded.not_subscribed,
            import_started_at = excluded.import_started_at, completed = excluded.completed,
            updated_at = excluded.updated_at
        """
}

/// A row of `SELECT StoreSchema.checkpointColumns`, read through either backend's accessors
/// (column index → value): both stores read a checkpoint back one way.
struct CheckpointRow {
    let int64: (Int) -> Int64
    let text: (Int) -> String?
    let isNull: (Int) -> Bool

    var checkpoint: ImportCheckpoint {
        var n = ImportCounters()
        n.linesRead = Int(int64(8))
        n.valid = Int(int64(9))
        n.malformed = Int(int64(10))
        n.blank = Int(int64(11))
        n.duplicates = Int(int64(12))
        n.newlySuppressed = Int(int64(13))
        n.alreadySuppressed = Int(int64(14))
        n.notSubscribed = Int(int64(15))
        let window = isNull(6) ? nil : WindowProgress(endLine: Int(int64(4)), endOffset: int64(5), appliedThrough: text(6) ?? "")
        return ImportCheckpoint(fingerprint: text(0) ?? "", sourcePath: text(1) ?? "",
                                nextLine: Int(int64(2)), byteOffset: int64(3), window: window,
                                batchesCommitted: Int(int64(7)), counters: n,
                                importStartedAt_s: int64(16), completed: int64(17) != 0)
    }
}
