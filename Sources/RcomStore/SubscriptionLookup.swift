import CSQLite
import CSQLiteRows

/// Which addresses of a batch have a subscription, looked up ahead of the writes by another
/// thread (concurrent import). Setting `SuppressionBatch.subscribed` lets the writer skip that
/// look-up (one B-tree descent into the 1M-row subscriptions per address).
///
/// What the flags mean: subscribed when looked up. A subscription added or removed between
/// the look-up and the write (the look-up runs at most a few parts, well under a second, ahead)
/// is seen as it was at the look-up: an import that starts a moment later sees it the new way.
public protocol SubscriptionLookup: AnyObject {
    /// Sets `batch.subscribed`, one flag per entry.
    func markSubscribed(_ batch: inout SuppressionBatch) throws(StoreError)
}

/// `SubscriptionLookup` on a read-only connection of its own. Use it from one thread at a time.
public final class SQLiteSubscriptionLookup: SubscriptionLookup, @unchecked Sendable {
    // @unchecked: a connection opened without SQLite's mutexes, used by one thread at a time
    // (the importer's gathering thread), which is what SQLite's multi-thread mode allows.
    private let database: SQLiteDatabase
    private let select: SQLiteStatement
    /// Reused between batches for its capacity. Bound: one batch of entries.
    private var rows: [rcom_suppression_row] = []

    public init(path: String) throws(StoreError) {
        var options = SQLiteDatabase.Options()
        options.readOnly = true
        options.create = false
        database = try SQLiteDatabase(path: path, options: options)
        let rc = rcom_register_suppression_rows(database.handle)
        guard rc == SQLITE_OK else { throw database.error(rc, "cannot register rcom_suppression_rows") }
        // The rows' rowid is their index in the batch; sorted rows walk the index in order.
        select = try database.prepare("""
            SELECT r.rowid FROM rcom_suppression_rows(?1) AS r
            CROSS JOIN subscriptions AS s ON s.email = r.email
            """)
    }

    public func markSubscribed(_ batch: inout SuppressionBatch) throws(StoreError) {
        var flags = [Bool](repeating: false, count: batch.count)
        rows.removeAll(keepingCapacity: true)
        try batch.bytes.withUnsafeBufferPointer { (arena) throws(StoreError) in
            for entry in batch.entries { rows.append(rcom_suppression_row(entry, in: arena)) }
            _ = try select.run(rows: rows) { row in
                let index = Int(row.int64(0))
                if flags.indices.contains(index) { flags[index] = true }
            }
        }
        batch.subscribed = flags
    }
}
