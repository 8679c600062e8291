import Foundation

/// `SuppressionStore` on PostgreSQL: the same schema (`PostgresSchema`), the same contract.
///
/// Each transaction is one statement over the batch's rows, passed as three array parameters:
/// `INSERT … ON CONFLICT (email) DO NOTHING` keeps an import from un-suppressing anyone or
/// rewriting a reason, the join with `subscriptions` keeps unknown addresses out (counted), and
/// the statement returns its own tally. The checkpoint is upserted in the same transaction.
/// Use it from the thread that created it (one connection).
public final class PostgresSuppressionStore: SuppressionStore {
    public let connection: PostgresConnection
    /// Reason text → id; reasons are inserted in transactions of their own (below), so every
    /// cached id is committed. Bound: `reasonCacheMax`, then emptied.
    private var reasonIDs: [String: Int64] = [:]
    static let reasonCacheMax = 4_096

    public convenience init(url: PostgresURL) throws(StoreError) {
        try self.init(connection: PostgresConnection(url: url))
    }

    public init(connection: PostgresConnection) throws(StoreError) {
        self.connection = connection
        try PostgresSchema.migrate(connection)
        try Self.prepareStatements(connection)
    }

    /// The rows reach the server as array parameters of one statement; `RCOM_PG_BULK=copy`
    /// sends them with COPY into a temporary table instead (an alternative kept for
    /// `scripts/bench-blacklist` to measure against; see design/blacklist.md).
    static let viaCopy = ProcessInfo.processInfo.environment["RCOM_PG_BULK"] == "copy"

    static func prepareStatements(_ c: PostgresConnection) throws(StoreError) {
        try c.prepare("lookup", """
            SELECT r.reason, p.suppressed_at FROM suppressions p
            LEFT JOIN suppression_reasons r ON r.id = p.reason_id WHERE p.email = $1
            """)
        // $1 emails (sorted), $2 reason ids, $3 times, $4 subscribed flags from a look-up (empty:
        // look up here). Every row goes on the list; the tally counts the subscribed ones apart.
        // Returns (rows with a subscription, of those inserted now).
        // Two inserts over disjoint rows (the subscribed ones, then the rest) rather than one and a
        // join of its RETURNING with the subscribed rows: CTE results have no index, so such a
        // join may run as a nested loop, 2,000 × 2,000 comparisons a batch.
        try c.prepare("suppress", """
            WITH r AS MATERIALIZED (
                     SELECT r.email, r.reason_id, r.at,
                            coalesce(r.flagged, EXISTS (SELECT 1 FROM subscriptions s WHERE s.email = r.email)) AS known
                     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::boolean[]) AS r(email, reason_id, at, flagged)),
                 subscribed AS (INSERT INTO suppressions (email, reason_id, suppressed_at)
                                SELECT email, reason_id, at FROM r WHERE known ORDER BY email COLLATE "C"
                                ON CONFLICT (email) DO NOTHING RETURNING 1),
                 strangers AS (INSERT INTO suppressions (email, reason_id, suppressed_at)
                               SELECT email, reason_id, at FROM r WHERE NOT known ORDER BY email COLLATE "C"
                               ON CONFLICT (email) DO NOTHING RETURNING 1)
            SELECT (SELECT count(*) FROM r WHERE known), (SELECT count(*) FROM subscribed), (SELECT count(*) FROM strangers)
            """)
        if viaCopy {
            try c.execute("""
                CREATE TEMP TABLE IF NOT EXISTS rcom_rows (email text COLLATE "C", reason_id bigint, at bigint, flagged boolean)
                ON COMMIT DELETE ROWS
                """)
            try c.prepare("suppress_copied", """
                WITH r AS MATERIALIZED (
                         SELECT email, reason_id, at,
                                coalesce(flagged, EXISTS (SELECT 1 FROM subscriptions s WHERE s.email = r.email)) AS known
                         FROM rcom_rows r),
                     subscribed AS (INSERT INTO suppressions (email, reason_id, suppressed_at)
                                    SELECT email, reason_id, at FROM r WHERE known ORDER BY email
                                    ON CONFLICT (email) DO NOTHING RETURNING 1),
                     strangers AS (INSERT INTO suppressions (email, reason_id, suppressed_at)
                                   SELECT email, reason_id, at FROM r WHERE NOT known ORDER BY email
                                   ON CONFLICT (email) DO NOTHING RETURNING 1)
                SELECT (SELECT count(*) FROM r WHERE known), (SELECT count(*) FROM subscribed), (SELECT count(*) FROM strangers)
                """)
        }
        try c.prepare("add_reasons", """
            INSERT INTO suppression_reasons (reason) SELECT unnest($1::text[]) ORDER BY 1
            ON CONFLICT (reason) DO NOTHING
            """)
        try c.prepare("find_reasons", "SELECT reason, id FROM suppression_reasons WHERE reason = ANY($1::text[])")
        try c.prepare("upsert_checkpoint", """
            \(StoreSchema.checkpointInsertHead)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                    to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
            \(StoreSchema.checkpointUpsertTail)
            """)
    }

    public func isSuppressed(email: String) throws(StoreError) -> Bool {
        try suppression(email: email) != nil
    }

    public func suppression(email: String) throws(StoreError) -> Suppression? {
        let rows = try connection.run(prepared: "lookup", [email])
        guard rows.count > 0 else { return nil }
        return Suppression(email: email, reason: rows.text(0, 0) ?? "", suppressedAt_s: rows.int64(0, 1))
    }

    public func apply(_ batch: SuppressionBatch, entries range: Range<Int>,
                      checkpoint: (SuppressionTally) -> ImportCheckpoint) throws(StoreError) -> SuppressionTally {
        let rows = try rowsParameters(batch, entries: range)
        return try connection.transaction { () throws(StoreError) -> SuppressionTally in
            let tally = try Self.insert(rows, on: connection)
            try Self.write(checkpoint(tally), on: connection)
            return tally
        }
    }

    /// The batch's rows as the array parameters of `suppress`, reason ids resolved first.
    func rowsParameters(_ batch: SuppressionBatch, entries range: Range<Int>) throws(StoreError) -> SuppressionRowsParameters {
        // Entries of a batch mostly share their reason's bytes (the preparer stores each once):
        // one String and one look-up per distinct range, not per row.
        var idOfRange: [Range<Int>: Int64] = [:]
        var missing: [Range<Int>: String] = [:]
        for entry in batch.entries[range] where idOfRange[entry.reason] == nil && missing[entry.reason] == nil {
            let text = batch.string(entry.reason)
            if let id = reasonIDs[text] { idOfRange[entry.reason] = id } else { missing[entry.reason] = text }
        }
        if !missing.isEmpty {
            try resolveReasons(Set(missing.values))
            for (r, text) in missing { idOfRange[r] = reasonIDs[text] }
        }
        var emails = PostgresArrayText(capacity: range.count * 24)
        var reasons = PostgresArrayText(capacity: range.count * 4)
        var times = PostgresArrayText(capacity: range.count * 11)
        var flagged = PostgresArrayText(capacity: batch.subscribed == nil ? 0 : range.count * 2)
        let flags = batch.subscribed
        precondition(flags == nil || flags!.count == batch.count, "one subscribed flag per entry")
        for (i, entry) in zip(range, batch.entries[range]) {
            emails.append(quoted: batch.bytes[entry.email])
            reasons.append(idOfRange[entry.reason]!)
            times.append(entry.suppressedAt_s)
            if let flags { flagged.append(word: flags[i] ? "t" : "f") }
        }
        var copy: [UInt8]? = nil
        if Self.viaCopy {
            var data: [UInt8] = []
            data.reserveCapacity(range.count * 48)
            for (i, entry) in zip(range, batch.entries[range]) {
                for b in batch.bytes[entry.email] {
                    // COPY's text format: backslash, tab and line ends escaped (the normaliser
                    // leaves none but a backslash possible; escape all the same).
                    switch b {
                    case UInt8(ascii: "\\"): data += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                    case UInt8(ascii: "\t"): data += Array("\\t".utf8)
                    case UInt8(ascii: "\n"): data += Array("\\n".utf8)
                    case UInt8(ascii: "\r"): data += Array("\\r".utf8)
                    default: data.append(b)
                    }
                }
                data += Array("\t\(idOfRange[entry.reason]!)\t\(entry.suppressedAt_s)\t".utf8)
                data += Array((flags.map { $0[i] ? "t" : "f" } ?? "\\N").utf8)
                data.append(UInt8(ascii: "\n"))
            }
            copy = data
        }
        return SuppressionRowsParameters(emails: emails.text, reasonIDs: reasons.text, times: times.text,
                                         flags: flagged.text, entries: range.count, copy: copy)
    }

    /// Runs `suppress` and tallies it.
    static func insert(_ rows: SuppressionRowsParameters, on c: PostgresConnection) throws(StoreError) -> SuppressionTally {
        let result: PostgresRows
        if let data = rows.copy {
            try c.copyIn("COPY rcom_rows FROM STDIN") { (buffer) throws(StoreError) -> Bool in
                buffer.append(contentsOf: data)
                return false
            }
            result = try c.run(prepared: "suppress_copied")
        } else {
            result = try c.run(prepared: "suppress", [rows.emails, rows.reasonIDs, rows.times, rows.flags])
        }
        let subscribed = Int(result.int64(0, 0))
        var tally = SuppressionTally()
        tally.newlySuppressed = Int(result.int64(0, 1))   // column 2: strangers added, counted as not subscribed
        tally.alreadySuppressed = subscribed - tally.newlySuppressed
        tally.notSubscribed = rows.entries - subscribed
        return tally
    }

    /// Gives every reason of the batch an id, inserting the new ones in a transaction of their own
    /// (in text order), so that writers on several connections never wait on each other's
    /// uncommitted reasons, and a batch that rolls back leaves its reasons behind, harmlessly:
    /// `suppression_reasons` is a dictionary, and the rerun finds the same ids.
    private func resolveReasons(_ missing: Set<String>) throws(StoreError) {
        if reasonIDs.count + missing.count > Self.reasonCacheMax { reasonIDs.removeAll() }
        var list = PostgresArrayText()
        for reason in missing.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            list.append(quoted: Array(reason.utf8))
        }
        try connection.run(prepared: "add_reasons", [list.text])
        let found = try connection.run(prepared: "find_reasons", [list.text])
        for row in 0..<found.count { reasonIDs[found.text(row, 0) ?? ""] = found.int64(row, 1) }
        for reason in missing where reasonIDs[reason] == nil {
            throw .store("the reason '\(reason.prefix(40))' was not stored", context: "cannot store suppression reasons")
        }
    }

    public func save(_ checkpoint: ImportCheckpoint) throws(StoreError) {
        try connection.transaction { () throws(StoreError) in try Self.write(checkpoint, on: connection) }
    }

    static func write(_ c: ImportCheckpoint, on connection: PostgresConnection) throws(StoreError) {
        let n = c.counters
        var p: [String?] = [c.fingerprint, c.sourcePath, String(c.nextLine), String(c.byteOffset),
                            c.window.map { String($0.endLine) }, c.window.map { String($0.endOffset) },
                            c.window?.appliedThrough, String(c.batchesCommitted)]
        p += [n.linesRead, n.valid, n.malformed, n.blank, n.duplicates,
              n.newlySuppressed, n.alreadySuppressed, n.notSubscribed].map { String($0) }
        p += [String(c.importStartedAt_s), c.completed ? "1" : "0"]
        try connection.run(prepared: "upsert_checkpoint", p)
    }


    public func checkpoint(fingerprint: String) throws(StoreError) -> ImportCheckpoint? {
        Self.readCheckpoint(try connection.query(
            "SELECT \(StoreSchema.checkpointColumns) FROM import_checkpoints WHERE fingerprint = $1", [fingerprint]))
    }

    public func latestCheckpoint(sourcePath: String) throws(StoreError) -> ImportCheckpoint? {
        Self.readCheckpoint(try connection.query("""
            SELECT \(StoreSchema.checkpointColumns) FROM import_checkpoints WHERE source_path = $1
            ORDER BY updated_at DESC LIMIT 1
            """, [sourcePath]))
    }

    static func readCheckpoint(_ r: PostgresRows) -> ImportCheckpoint? {
        guard r.count > 0 else { return nil }
        return CheckpointRow(int64: { r.int64(0, $0) }, text: { r.text(0, $0) }, isNull: { r.isNull(0, $0) }).checkpoint
    }
}

/// One transaction's rows as `suppress`'s array parameters.
struct SuppressionRowsParameters: Sendable {
    var emails: String
    var reasonIDs: String
    var times: String
    /// `{}` without a look-up's flags.
    var flags: String
    var entries: Int
    /// The rows in COPY's text format, with `RCOM_PG_BULK=copy`.
    var copy: [UInt8]?
}
