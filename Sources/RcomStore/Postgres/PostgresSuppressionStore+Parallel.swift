extension PostgresSuppressionStore: ParallelBatchLog {
    public func makeBatchWriter() throws(StoreError) -> any SuppressionBatchWriter {
        try PostgresBatchWriter(url: connection.url)
    }

    public func loggedBatches(fingerprint: String) throws(StoreError) -> [LoggedBatch] {
        let r = try connection.query("""
            SELECT b.batch, b.next_line, b.byte_offset, b.window_end_line, b.window_end_offset, b.applied_through,
                   b.lines_read, b.valid, b.malformed, b.blank, b.duplicates, b.completed,
                   b.tally_newly, b.tally_already, b.tally_not_subscribed, c.source_path, c.import_started_at
            FROM import_batches b LEFT JOIN import_checkpoints c ON c.fingerprint = b.fingerprint
            WHERE b.fingerprint = $1 AND b.batch > coalesce(c.batches_committed, 0)
            ORDER BY b.batch
            """, [fingerprint])
        return (0..<r.count).map { i in
            var n = ImportCounters()
            n.linesRead = Int(r.int64(i, 6))
            n.valid = Int(r.int64(i, 7))
            n.malformed = Int(r.int64(i, 8))
            n.blank = Int(r.int64(i, 9))
            n.duplicates = Int(r.int64(i, 10))
            let window = r.isNull(i, 5) ? nil
                : WindowProgress(endLine: Int(r.int64(i, 3)), endOffset: r.int64(i, 4), appliedThrough: r.text(i, 5) ?? "")
            let checkpoint = ImportCheckpoint(fingerprint: fingerprint, sourcePath: r.text(i, 15) ?? "",
                                              nextLine: Int(r.int64(i, 1)), byteOffset: r.int64(i, 2), window: window,
                                              batchesCommitted: Int(r.int64(i, 0)), counters: n,
                                              importStartedAt_s: r.int64(i, 16), completed: r.int64(i, 11) != 0)
            var tally = SuppressionTally()
            tally.newlySuppressed = Int(r.int64(i, 12))
            tally.alreadySuppressed = Int(r.int64(i, 13))
            tally.notSubscribed = Int(r.int64(i, 14))
            return LoggedBatch(checkpoint: checkpoint, tally: tally)
        }
    }

    public func fold(_ checkpoint: ImportCheckpoint) throws(StoreError) {
        try connection.transaction { () throws(StoreError) in
            try Self.write(checkpoint, on: connection)
            try connection.query("DELETE FROM import_batches WHERE fingerprint = $1 AND batch <= $2",
                                 [checkpoint.fingerprint, String(checkpoint.batchesCommitted)])
        }
    }

    public func clearLog(fingerprint: String) throws(StoreError) {
        try connection.query("DELETE FROM import_batches WHERE fingerprint = $1", [fingerprint])
    }
}

/// One parallel writer: a connection of its own, the same statements as the store's.
final class PostgresBatchWriter: SuppressionBatchWriter {
    private let store: PostgresSuppressionStore

    init(url: PostgresURL) throws(StoreError) {
        store = try PostgresSuppressionStore(url: url)
        try store.connection.prepare("log_batch", """
            INSERT INTO import_batches (fingerprint, batch, next_line, byte_offset, window_end_line, window_end_offset,
                applied_through, lines_read, valid, malformed, blank, duplicates, newly_suppressed, already_suppressed,
                not_subscribed, completed, tally_newly, tally_already, tally_not_subscribed)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, 0, 0, $13, $14, $15, $16)
            """)
    }

    func apply(_ batch: SuppressionBatch, entries: Range<Int>, logging c: ImportCheckpoint) throws(StoreError) -> SuppressionTally {
        let rows = try store.rowsParameters(batch, entries: entries)
        let connection = store.connection
        return try connection.transaction { () throws(StoreError) -> SuppressionTally in
            let tally = try PostgresSuppressionStore.insert(rows, on: connection)
            let n = c.counters
            var p: [String?] = [c.fingerprint, String(c.batchesCommitted), String(c.nextLine), String(c.byteOffset),
                                c.window.map { String($0.endLine) }, c.window.map { String($0.endOffset) }, c.window?.appliedThrough]
            p += [n.linesRead, n.valid, n.malformed, n.blank, n.duplicates].map { String($0) }
            p += [c.completed ? "1" : "0", String(tally.newlySuppressed), String(tally.alreadySuppressed), String(tally.notSubscribed)]
            try connection.run(prepared: "log_batch", p)
            return tally
        }
    }
}
