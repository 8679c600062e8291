import CSQLite

/// A prepared statement. Parameters are 1-based, columns 0-based, as in the C API.
/// Text bound from a buffer pointer is not copied: the buffer must outlive the next `step`/`reset`.
public final class SQLiteStatement {
    let handle: OpaquePointer
    let database: SQLiteDatabase

    init(handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// SQLITE_TRANSIENT: SQLite copies the value before the bind call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    public func bind(_ index: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(handle, index); return }
        sqlite3_bind_text(handle, index, value, -1, Self.transient)
    }

    /// Binds UTF-8 bytes without copying (SQLITE_STATIC); see the type's note on lifetime.
    public func bind(_ index: Int32, utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else {
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
            return
        }
        let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
        sqlite3_bind_text(handle, index, text, Int32(bytes.count), nil)
    }

    /// Advances: true when a row is available, false when the statement is done.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let sql = sqlite3_sql(handle).map { String(cString: $0) } ?? "?"
            let error = database.error(rc, "cannot run \(sql.prefix(60))")
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Makes the statement ready to run again, dropping the previous bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Makes the statement ready to run again, keeping the bindings: for hot loops that rebind
    /// every parameter anyway (clearing them costs a call per row for nothing). Buffers bound
    /// without copying stay referenced, so rebind them before the next `step`.
    public func resetKeepingBindings() {
        sqlite3_reset(handle)
    }

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: p)
    }
}
