/// How to run one import. Defaults are the CLI's defaults.
public struct ImportOptions: Sendable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Read, parse and apply one batch after another on the calling thread.
        case sequential
        /// A reader thread fans batches out to `workers` parsing threads; the calling thread
        /// applies their results in file order (SQLite has one writer).
        case concurrent
    }

    public var mode: Mode = .sequential
    /// Lines per parsing batch, and addresses per transaction (each with its checkpoint).
    public var batchLines = 2_000
    /// Lines sorted together before writing. Sorted addresses land on neighbouring B-tree pages,
    /// so each transaction rewrites tens of pages instead of one per address. Bound: the window's
    /// parsed lines stay in memory (about 100 bytes each).
    public var windowLines = 500_000
    /// Addresses gathered at a time from a sorted window (see `SortedWindow`); a part ends in a
    /// commit, so its last transaction may hold fewer than `batchLines`. Bound: the writer holds
    /// one part, and concurrent mode's gathering thread at most two more. The default is 16
    /// transactions of the default size, about 2 MB gathered.
    public var partAddresses = 32_768
    public var workers = 10
    /// Concurrent mode on a store with parallel writers (PostgreSQL): transactions in flight at
    /// once, each on a connection of its own. Bound: that many batches held by the writers, plus
    /// one waiting to be handed over.
    public var writers = 4
    public var resume = false
    /// `--format`: read the file as this format instead of telling it from the content.
    public var format: BounceFormatName?
    /// Sleep after each commit, leaving the write lock to the live service (a throttle).
    public var pauseBetweenBatches_ms = 0
    /// Longer lines are reported malformed without being buffered.
    public var lineBytesMax = 64 * 1024
    public var malformedSamplesMax = 10
    /// Batches read ahead of the workers (the fan-out channel's capacity); nil means 2 × workers.
    public var readAheadBatchesMax: Int?
    /// Stamps suppressions whose line has no bounce time; a resumed import reuses the original
    /// import's value from its checkpoint instead. Unix seconds, injected so runs are reproducible.
    public var importStartedAt_s: Int64

    public init(importStartedAt_s: Int64) {
        self.importStartedAt_s = importStartedAt_s
    }

    var readAheadBatches: Int { readAheadBatchesMax ?? max(2 * workers, 2) }
}

/// Reported to the progress callback after each committed transaction and each batch read.
public struct ImportProgress: Sendable {
    /// Lines whose addresses are committed.
    public var linesDone: Int
    /// Lines read and parsed (the window being gathered runs ahead of the commits).
    public var linesRead: Int
    public var linesTotal: Int
    public var elapsed_s: Double
    /// Transactions committed by this import so far (a resumed one counts the earlier run's).
    public var batchesCommitted = 0
}
