import CSQLite
import CSQLiteRows

/// `SuppressionStore` on one SQLite connection (see `SQLiteDatabase` for the pragmas).
/// Use it from the thread that created it.
public final class SQLiteSuppressionStore: SuppressionStore {
    public let database: SQLiteDatabase
    private let suppress: SQLiteStatement
    /// For batches whose subscriptions were looked up already (`SuppressionBatch.subscribed`).
    private let suppressKnown: SQLiteStatement
    /// The rows of the transaction being applied, handed to `suppress` as one parameter; kept
    /// between batches for its capacity. Bound: one batch of entries.
    private var rows: [rcom_suppression_row] = []
    /// The transaction's rows flagged as not subscribed (stored too, counted apart). Same bound.
    private var strangers: [rcom_suppression_row] = []
    private let lookup: SQLiteStatement
    private let findReason: SQLiteStatement
    private let insertReason: SQLiteStatement
    private let upsertCheckpoint: SQLiteStatement
    /// Reason text → id, for committed reasons only (a rolled-back insert must not be cached).
    /// Bound: `reasonCacheMax` entries; when full it is emptied and refills from the table.
    private var reasonIDs: [String: Int64] = [:]
    public static let reasonCacheMax = 4_096
    /// Running during a bulk import with background maintenance.
    private var checkpointer: WALCheckpointer?
    /// WAL pages between background checkpoints: SQLite's own default, so the WAL stays as
    /// small as usual (a few MB) and readers' look-ups in it stay short.
    static let pagesPerBackgroundCheckpoint: Int32 = 1_000

    /// Opens and migrates the database at `path`.
    public convenience init(path: String, options: SQLiteDatabase.Options = .init()) throws(StoreError) {
        try self.init(database: SQLiteDatabase(path: path, options: options))
    }

    public init(database: SQLiteDatabase) throws(StoreError) {
        self.database = database
        try StoreSchema.migrate(database)
        let rc = rcom_register_suppression_rows(database.handle)
        guard rc == SQLITE_OK else { throw database.error(rc, "cannot register rcom_suppression_rows") }
        // One statement per transaction, its rows passed as a table-valued parameter (?1). INSERT
        // OR IGNORE is what makes an import unable to un-suppress or rewrite a reason; the join
        // keeps addresses with no subscription out (counted, not stored), and rcom_count_row
        // counts the rows that have one. The rows arrive sorted, so the inserts append to
        // `suppressions` and the probes walk `subscriptions` in order (read-only: its pages are
        // never rewritten). CROSS JOIN keeps the rows the outer loop.
        suppress = try database.prepare("""
            INSERT OR IGNORE INTO suppressions (email, reason_id, suppressed_at)
            SELECT r.email, r.reason_id, rcom_count_row(?1, r.suppressed_at)
            FROM rcom_suppression_rows(?1) AS r CROSS JOIN subscriptions AS s ON s.email = r.email
            """)
        suppressKnown = try database.prepare("""
            INSERT OR IGNORE INTO suppressions (email, reason_id, suppressed_at)
            SELECT r.email, r.reason_id, r.suppressed_at FROM rcom_suppression_rows(?1) AS r
            """)
        // Schema 4: a subscription is suppressed iff its email is in `suppressions`.
        lookup = try database.prepare("""
            SELECT r.reason, p.suppressed_at FROM suppressions p
            LEFT JOIN suppression_reasons r ON r.id = p.reason_id
            WHERE p.email = ?1
            """)
        findReason = try database.prepare("SELECT id FROM suppression_reasons WHERE reason = ?1")
        insertReason = try database.prepare("INSERT INTO suppression_reasons (reason) VALUES (?1)")
        upsertCheckpoint = try database.prepare("""
            \(StoreSchema.checkpointInsertHead)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            \(StoreSchema.checkpointUpsertTail)
            """)
    }

    deinit {
        checkpointer?.stop(writer: database, autocheckpointPages: Int32(database.walAutocheckpointPages))
    }

    public func beginBulkImport(backgroundMaintenance: Bool) throws(StoreError) {
        guard backgroundMaintenance, checkpointer == nil, let file = database.fileName else { return }
        let c = WALCheckpointer(path: file, pagesPerCheckpoint: Self.pagesPerBackgroundCheckpoint)
        try c.start(writer: database)
        checkpointer = c
    }

    public func endBulkImport() throws(StoreError) {
        guard let c = checkpointer else { return }
        checkpointer = nil
        c.stop(writer: database, autocheckpointPages: Int32(database.walAutocheckpointPages))
        // What the background thread had not copied yet; PASSIVE, so live readers are not waited for.
        try database.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    public func makeSubscriptionLookup() throws(StoreError) -> (any SubscriptionLookup)? {
        guard let file = database.fileName else { return nil }
        return try SQLiteSubscriptionLookup(path: file)
    }

    public func isSuppressed(email: String) throws(StoreError) -> Bool {
        try suppression(email: email) != nil
    }

    public func suppression(email: String) throws(StoreError) -> Suppression? {
        defer { lookup.reset() }
        lookup.bind(1, email)
        guard try lookup.step() else { return nil }
        return Suppression(email: email, reason: lookup.text(0) ?? "", suppressedAt_s: lookup.int64(1))
    }

    public func apply(_ batch: SuppressionBatch, entries range: Range<Int>,
                      checkpoint: (SuppressionTally) -> ImportCheckpoint) throws(StoreError) -> SuppressionTally {
        var newReasons: [String: Int64] = [:]
        let tally = try database.transaction(.immediate) { () throws(StoreError) -> SuppressionTally in
            let tally = try batch.bytes.withUnsafeBufferPointer { (arena) throws(StoreError) -> SuppressionTally in
                rows.removeAll(keepingCapacity: true)
                strangers.removeAll(keepingCapacity: true)
                var recent = RecentReasons()
                let flags = batch.subscribed
                precondition(flags == nil || flags!.count == batch.count, "one subscribed flag per entry")
                for (i, entry) in zip(range, batch.entries[range]) {
                    // Every row's reason gets its id, flagged or not, so that ids are handed out
                    // in the same order whoever looked subscriptions up.
                    // A batch holds a handful of distinct reasons, mostly sharing their bytes: a
                    // short scan of the recent ones avoids a String and a hash per row.
                    let reasonID: Int64
                    if let id = recent.id(of: entry.reason, in: arena) {
                        reasonID = id
                    } else {
                        reasonID = try self.reasonID(String(decoding: arena[entry.reason], as: UTF8.self),
                                                     adding: &newReasons)
                        recent.remember(entry.reason, id: reasonID)
                    }
                    let row = rcom_suppression_row(entry, in: arena, reasonID: reasonID)
                    if flags?[i] ?? true { rows.append(row) } else { strangers.append(row) }
                }
                let counted = try (flags == nil ? suppress : suppressKnown).run(rows: rows)
                // Every row with a subscription was counted (or is one of the flagged rows); of
                // those, the ones not inserted were suppressed already.
                let subscribed = flags == nil ? counted : rows.count
                var tally = SuppressionTally()
                tally.newlySuppressed = database.changes
                tally.alreadySuppressed = subscribed - tally.newlySuppressed
                tally.notSubscribed = range.count - subscribed
                // Addresses with no subscription go on the list too (counted apart above): a later
                // sign-up, or a send to the address, finds it suppressed. Unflagged, the statement
                // runs over every row and the subscribed ones, present now, are ignored.
                _ = try suppressKnown.run(rows: flags == nil ? rows : strangers)
                return tally
            }
            try write(checkpoint(tally))
            return tally
        }
        if reasonIDs.count + newReasons.count > Self.reasonCacheMax { reasonIDs.removeAll() }
        reasonIDs.merge(newReasons) { old, _ in old }
        return tally
    }

    /// Puts one address on the suppression list, whether or not it has a subscription (a
    /// provider's "no such user" while `rcom send` delivered to it). Like an import, it never
    /// rewrites an existing suppression. Runs in the caller's transaction (none is opened here;
    /// a reason id it adds is cached only once `apply` commits, so it is not cached at all).
    /// Returns whether the address was newly suppressed.
    @discardableResult
    public func suppress(email: String, reason: String, suppressedAt_s: Int64) throws(StoreError) -> Bool {
        var uncached: [String: Int64] = [:]
        let reasonID = try reasonID(reason, adding: &uncached)
        let s = try database.prepare("INSERT OR IGNORE INTO suppressions (email, reason_id, suppressed_at) VALUES (?1, ?2, ?3)")
        s.bind(1, email)
        s.bind(2, reasonID)
        s.bind(3, suppressedAt_s)
        try s.step()
        return database.changes > 0
    }

    private func reasonID(_ reason: String, adding pending: inout [String: Int64]) throws(StoreError) -> Int64 {
        if let id = reasonIDs[reason] ?? pending[reason] { return id }
        findReason.bind(1, reason)
        defer { findReason.reset() }
        let id: Int64
        if try findReason.step() {
            id = findReason.int64(0)
        } else {
            insertReason.bind(1, reason)
            defer { insertReason.reset() }
            try insertReason.step()
            id = database.lastInsertRowID
        }
        pending[reason] = id
        return id
    }

    public func save(_ checkpoint: ImportCheckpoint) throws(StoreError) {
        try database.transaction(.immediate) { () throws(StoreError) in try write(checkpoint) }
    }

    private func write(_ c: ImportCheckpoint) throws(StoreError) {
        let s = upsertCheckpoint
        defer { s.reset() }
        s.bind(1, c.fingerprint)
        s.bind(2, c.sourcePath)
        s.bind(3, Int64(c.nextLine))
        s.bind(4, c.byteOffset)
        if let w = c.window {
            s.bind(5, Int64(w.endLine))
            s.bind(6, w.endOffset)
            s.bind(7, w.appliedThrough)
        }
        s.bind(8, Int64(c.batchesCommitted))
        let n = c.counters
        let counters = [n.linesRead, n.valid, n.malformed, n.blank, n.duplicates,
                        n.newlySuppressed, n.alreadySuppressed, n.notSubscribed]
        for (i, value) in counters.enumerated() { s.bind(Int32(9 + i), Int64(value)) }
        s.bind(17, c.importStartedAt_s)
        s.bind(18, c.completed ? 1 : 0)
        try s.step()
    }


    public func checkpoint(fingerprint: String) throws(StoreError) -> ImportCheckpoint? {
        let s = try database.prepare("SELECT \(StoreSchema.checkpointColumns) FROM import_checkpoints WHERE fingerprint = ?1")
        s.bind(1, fingerprint)
        return try readCheckpoint(s)
    }

    public func latestCheckpoint(sourcePath: String) throws(StoreError) -> ImportCheckpoint? {
        let s = try database.prepare("""
            SELECT \(StoreSchema.checkpointColumns) FROM import_checkpoints WHERE source_path = ?1
            ORDER BY updated_at DESC LIMIT 1
            """)
        s.bind(1, sourcePath)
        return try readCheckpoint(s)
    }

    private func readCheckpoint(_ s: SQLiteStatement) throws(StoreError) -> ImportCheckpoint? {
        guard try s.step() else { return nil }
        return CheckpointRow(int64: { s.int64(Int32($0)) }, text: { s.text(Int32($0)) }, isNull: { s.isNull(Int32($0)) }).checkpoint
    }
}
