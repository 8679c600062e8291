import CSQLite
import Glibc

/// One SQLite connection. Not Sendable: a connection belongs to the thread that opened it
/// (opened with SQLITE_OPEN_NOMUTEX), so every writer or reader thread opens its own.
public final class SQLiteDatabase {
    public struct Options: Sendable {
        public var readOnly = false
        public var create = true
        /// How long a statement waits for another connection's write lock before failing with SQLITE_BUSY.
        public var busyTimeout_ms: Int32 = 5_000
        /// Page cache per connection, an upper bound (pages are allocated as used); SQLite's default
        /// (2 MiB) makes a bulk update over a 100 MB table re-read pages from the OS thousands of times.
        public var cacheSize_KiB = 262_144
        /// Database bytes read through a memory map rather than copied by read(2); 0 disables.
        public var mmapSize_bytes: Int64 = 1 << 30
        /// WAL pages after which a commit copies the log back into the database (SQLite default 1000).
        public var walAutocheckpoint_pages = 1_000
        public init() {}
    }

    /// 0: SQLite's own busy handler (sleeps of 1, 2, 5 … up to 100 ms between tries). Else every
    /// connection opened afterwards retries a held write lock every this many µs (up to the busy
    /// timeout): `rcom serve` sets it, whose API and delivery threads take turns at the lock
    /// many times a second and whose answers would otherwise wait out those sleeps. Set once, at
    /// start, before any connection is opened.
    nonisolated(unsafe) public static var busyPoll_us: Int32 = 0

    let handle: OpaquePointer
    public let path: String
    /// As opened (`Options.walAutocheckpoint_pages`), to restore after a bulk import changed it.
    let walAutocheckpointPages: Int

    /// Opens (creating if allowed) the database in WAL mode with synchronous=NORMAL: a commit is
    /// durable against a process crash at once and against power loss at the next checkpoint,
    /// and readers never block the writer nor the writer the readers.
    public init(path: String, options: Options = Options()) throws(StoreError) {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        flags |= options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if options.create && !options.readOnly { flags |= SQLITE_OPEN_CREATE }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(code: rc, message: message, context: "cannot open database \(path)")
        }
        handle = db
        self.path = path
        walAutocheckpointPages = options.walAutocheckpoint_pages
        sqlite3_extended_result_codes(db, 1)
        if Self.busyPoll_us > 0 {
            // The callback captures nothing: the number of tries travels in its context pointer.
            let tries = max(1, Int(options.busyTimeout_ms) * 1_000 / Int(Self.busyPoll_us))
            sqlite3_busy_handler(db, { context, count in
                guard Int(count) < Int(bitPattern: context) else { return 0 }
                usleep(UInt32(SQLiteDatabase.busyPoll_us))
                return 1
            }, UnsafeMutableRawPointer(bitPattern: tries))
        } else {
            sqlite3_busy_timeout(db, options.busyTimeout_ms)
        }
        if !options.readOnly {
            try enableWAL(within_ms: options.busyTimeout_ms)
            try execute("PRAGMA wal_autocheckpoint = \(options.walAutocheckpoint_pages)")
        }
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA cache_size = -\(options.cacheSize_KiB)")
        try execute("PRAGMA temp_store = MEMORY")
        try execute("PRAGMA mmap_size = \(options.mmapSize_bytes)")
        // The file must really be a database: fail here, with the path, rather than on first use.
        _ = try scalarInt("PRAGMA schema_version")
    }

    deinit { sqlite3_close_v2(handle) }

    /// WAL pages after which a commit checkpoints; nil: as opened (`Options.walAutocheckpoint_pages`).
    public func setWALAutocheckpoint(pages: Int?) throws(StoreError) {
        try execute("PRAGMA wal_autocheckpoint = \(pages ?? walAutocheckpointPages)")
    }

    /// Switching a new file to WAL takes an exclusive lock, and SQLite may answer SQLITE_BUSY at
    /// once, without its busy handler, when another process opens the same file at that moment
    /// (seen: two `rcom send` processes on one fresh database, "cannot run PRAGMA journal_mode
    /// = WAL"). Tried again every 10 ms within the busy timeout; past it, the error stands.
    private func enableWAL(within_ms timeout_ms: Int32) throws(StoreError) {
        var waited_ms: Int32 = 0
        while true {
            let rc = sqlite3_exec(handle, "PRAGMA journal_mode = WAL", nil, nil, nil)
            if rc == SQLITE_OK { return }
            let primary = rc & 0xff
            guard primary == SQLITE_BUSY || primary == SQLITE_LOCKED, waited_ms < timeout_ms else {
                throw error(rc, "cannot run PRAGMA journal_mode = WAL")
            }
            sqlite3_sleep(10)
            waited_ms += 10
        }
    }

    func error(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(code: rc, message: String(cString: sqlite3_errmsg(handle)), context: "\(context) [\(path)]")
    }

    /// Runs one or more statements that return no rows the caller needs.
    public func execute(_ sql: String) throws(StoreError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, "cannot run \(sql.prefix(60))") }
    }

    public func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "cannot prepare \(sql.prefix(60))") }
        return SQLiteStatement(handle: stmt, database: self)
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    public func scalarInt(_ sql: String) throws(StoreError) -> Int64? {
        let stmt = try prepare(sql)
        guard try stmt.step(), !stmt.isNull(0) else { return nil }
        return stmt.int64(0)
    }

    /// The file behind the main database (absolute), or nil for an in-memory or temporary one.
    var fileName: String? {
        guard let name = sqlite3_db_filename(handle, "main"), name.pointee != 0 else { return nil }
        return String(cString: name)
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    public enum TransactionKind: String, Sendable {
        /// Takes the write lock at BEGIN, so a busy database fails fast instead of mid-transaction.
        case immediate = "BEGIN IMMEDIATE"
        /// For read-only snapshots.
        case deferred = "BEGIN DEFERRED"
    }

    /// Runs `body` inside a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ kind: TransactionKind = .immediate,
                               _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute(kind.rawValue)
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // The original error is the one worth reporting; a failed rollback adds nothing.
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// `PRAGMA user_version`: the schema version this database has been migrated to.
    public func userVersion() throws(StoreError) -> Int {
        Int(try scalarInt("PRAGMA user_version") ?? 0)
    }
}
