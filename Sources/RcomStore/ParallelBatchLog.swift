/// A store that takes one import's transactions from several writers at once, each on its own
/// connection (PostgreSQL; SQLite has one writer and does not conform).
///
/// Parallel writers commit out of order, so a batch cannot move the file's checkpoint forward
/// when it commits: the batches before it may not have. Instead each batch's transaction logs
/// the batch (`import_batches`: its number, the checkpoint as it reads after it, and its tally)
/// with its rows; the importer moves the stored checkpoint (`fold`) only over a contiguous run of
/// committed batches. After a crash, the checkpoint plus the batches logged past it say exactly
/// what is committed (see design/blacklist.md, "Parallel writers").
public protocol ParallelBatchLog: SuppressionStore {
    /// A writer on a connection of its own, for one thread.
    func makeBatchWriter() throws(StoreError) -> any SuppressionBatchWriter
    /// The batches of `fingerprint` logged past its stored checkpoint, in batch order.
    func loggedBatches(fingerprint: String) throws(StoreError) -> [LoggedBatch]
    /// Stores `checkpoint` and drops the log of its file up to its batch, in one transaction.
    func fold(_ checkpoint: ImportCheckpoint) throws(StoreError)
    /// Drops the log of `fingerprint` (a new import of the file starts from its first batch).
    func clearLog(fingerprint: String) throws(StoreError)
}

public protocol SuppressionBatchWriter: AnyObject {
    /// Applies the entries and logs `record` (batch number `record.batchesCommitted`) with their
    /// tally, in one transaction.
    func apply(_ batch: SuppressionBatch, entries: Range<Int>, logging record: ImportCheckpoint) throws(StoreError) -> SuppressionTally
}

/// One committed batch as logged: the checkpoint after it (its tally counters are not
/// meaningful: they depend on the batches committed before it) and its own tally.
public struct LoggedBatch: Sendable, Equatable {
    public var checkpoint: ImportCheckpoint
    public var tally: SuppressionTally

    public init(checkpoint: ImportCheckpoint, tally: SuppressionTally) {
        self.checkpoint = checkpoint
        self.tally = tally
    }
}
