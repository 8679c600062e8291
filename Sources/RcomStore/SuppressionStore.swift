/// An address's suppression, as `rcom send` and the importer see it.
public struct Suppression: Sendable, Equatable {
    public var email: String
    public var reason: String
    /// Unix seconds.
    public var suppressedAt_s: Int64

    public init(email: String, reason: String, suppressedAt_s: Int64) {
        self.email = email
        self.reason = reason
        self.suppressedAt_s = suppressedAt_s
    }
}

/// The suppression queries, independent of the database behind them (SQLite and PostgreSQL
/// implement the same calls; the contract tests run one suite against both). Emails are passed already normalised by
/// `AddressNormalizer` (here in RcomStore, shared by `rcom blacklist` and `rcom send`); the store
/// compares them byte for byte.
///
/// Contract every backend keeps:
/// - `apply` is atomic: the batch's updates and the checkpoint commit together or not at all.
/// - An import never un-suppresses: an already suppressed subscription keeps its reason and time.
/// - The suppression list is about addresses, not subscriptions: every address of a batch goes on
///   it, those with no subscription too (counted apart as "not subscribed"; when the batch carries
///   `subscribed` flags, as they were when looked up), so a later sign-up or a send to such an
///   address finds it suppressed.
/// - An address is suppressed iff it is on the suppression list (a row in `suppressions`,
///   schema 4); the list is only ever added to by an import.
public protocol SuppressionStore: AnyObject {
    /// True when `email` is on the suppression list, subscribed or not.
    func isSuppressed(email: String) throws(StoreError) -> Bool

    /// The suppression of `email`, or nil when it is not on the list.
    func suppression(email: String) throws(StoreError) -> Suppression?

    /// Suppresses the batch's subscribers and records the checkpoint, in one transaction.
    /// `checkpoint` is called inside the transaction with the batch's tally, so the counters it
    /// records include this batch.
    /// Only the batch's `entries` are applied: a window's transactions share its arena and
    /// entry list instead of copying their slice of it.
    func apply(_ batch: SuppressionBatch, entries: Range<Int>,
               checkpoint: (SuppressionTally) -> ImportCheckpoint) throws(StoreError) -> SuppressionTally

    /// The checkpoint of the file with this fingerprint, if an import of it ever committed a batch.
    func checkpoint(fingerprint: String) throws(StoreError) -> ImportCheckpoint?

    /// The most recent checkpoint recorded for `sourcePath`, whatever its fingerprint.
    func latestCheckpoint(sourcePath: String) throws(StoreError) -> ImportCheckpoint?

    /// Records a checkpoint on its own (a file with nothing to apply, or the final "completed" mark).
    func save(_ checkpoint: ImportCheckpoint) throws(StoreError)

    /// A look-up of subscriptions on a connection of its own, for another thread to flag
    /// batches before they reach `apply`; nil when the backend has none.
    func makeSubscriptionLookup() throws(StoreError) -> (any SubscriptionLookup)?

    /// Brackets a run of `apply` calls. With `backgroundMaintenance` the store may move its own
    /// upkeep (SQLite: WAL checkpoints) to a thread of its own while the caller writes.
    /// `endBulkImport` must follow, also after a failure; it finishes that upkeep.
    func beginBulkImport(backgroundMaintenance: Bool) throws(StoreError)
    func endBulkImport() throws(StoreError)
}

extension SuppressionStore {
    /// All of the batch's entries.
    public func apply(_ batch: SuppressionBatch,
                      checkpoint: (SuppressionTally) -> ImportCheckpoint) throws(StoreError) -> SuppressionTally {
        try apply(batch, entries: 0..<batch.count, checkpoint: checkpoint)
    }

    public func makeSubscriptionLookup() throws(StoreError) -> (any SubscriptionLookup)? { nil }

    /// Backends without upkeep of their own need nothing here.
    public func beginBulkImport(backgroundMaintenance: Bool) throws(StoreError) {}
    public func endBulkImport() throws(StoreError) {}
}
