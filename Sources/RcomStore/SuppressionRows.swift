import CSQLiteRows

extension rcom_suppression_row {
    /// The entry as a row for `rcom_suppression_rows`: its email points into `arena` (the
    /// batch's bytes), which must outlive the statement's run.
    init(_ entry: SuppressionBatch.Entry, in arena: UnsafeBufferPointer<UInt8>, reasonID: Int64 = 0) {
        let email = arena.baseAddress.map { UnsafeRawPointer($0 + entry.email.lowerBound).assumingMemoryBound(to: CChar.self) }
        self.init(email: email, email_length: Int32(entry.email.count), reason_id: reasonID,
                  suppressed_at: entry.suppressedAt_s)
    }
}

extension SQLiteStatement {
    /// Runs the statement with `rows` bound to ?1 as the `rcom_suppression_rows` table (by
    /// pointer, not copied), calling `eachRow` for every result row. Returns how many rows
    /// `rcom_count_row(?1, …)` counted.
    func run(rows: [rcom_suppression_row], eachRow: (SQLiteStatement) -> Void = { _ in }) throws(StoreError) -> Int {
        try rows.withUnsafeBufferPointer { (buffer) throws(StoreError) -> Int in
            var set = rcom_suppression_rows(rows: buffer.baseAddress, count: Int64(buffer.count), counted: 0)
            try withUnsafeMutablePointer(to: &set) { (pointer) throws(StoreError) in
                rcom_bind_suppression_rows(handle, 1, pointer)
                defer { reset() }
                while try step() { eachRow(self) }
            }
            return Int(set.counted)
        }
    }
}
