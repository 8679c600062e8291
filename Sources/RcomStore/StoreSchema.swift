/// One forward step of the schema. Versions are consecutive from 1; a migration is never edited
/// once released: a change is a new migration appended to `StoreSchema.migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// The versioned schema of the subscription store, tracked in `PRAGMA user_version`.
///
/// Features that need tables of their own (e.g. `rcom send`'s delivery log) append a migration
/// here with the next version number. Each migration runs in its own IMMEDIATE transaction that
/// also bumps `user_version`, so two processes opening a fresh database cannot both apply it.
public enum StoreSchema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "subscriptions", sql: """
            -- Distinct bounce reasons, stored once: a subscription row only grows by a few bytes
            -- when it is suppressed, so a bulk update rewrites pages instead of splitting them.
            CREATE TABLE suppression_reasons (
                id     INTEGER PRIMARY KEY,
                reason TEXT    NOT NULL UNIQUE  -- 'hard bounce: 550 5.1.1 ...', 'soft bounce: ...'
            );
            -- Keyed by the normalised address (WITHOUT ROWID): a look-up is one B-tree descent,
            -- and suppressing addresses in sorted order touches neighbouring pages.
            CREATE TABLE subscriptions (
                email                 TEXT    NOT NULL PRIMARY KEY,  -- as AddressNormalizer leaves it
                id                    INTEGER NOT NULL UNIQUE,
                subscribed_at         INTEGER NOT NULL,              -- Unix seconds, UTC
                suppressed            INTEGER NOT NULL DEFAULT 0 CHECK (suppressed IN (0, 1)),
                suppression_reason_id INTEGER REFERENCES suppression_reasons (id),
                suppressed_at         INTEGER                        -- Unix seconds: the bounce, or the import
            ) WITHOUT ROWID;
            """),
        Migration(version: 2, name: "import checkpoints", sql: """
            -- One row per input file, keyed by its content fingerprint; written in the same
            -- transaction as the batch it describes, so it is exactly as far as the data.
            CREATE TABLE import_checkpoints (
                fingerprint        TEXT    PRIMARY KEY,
                source_path        TEXT    NOT NULL,
            \(checkpointPositionColumnsSQL)
                batches_committed  INTEGER NOT NULL,
            \(checkpointCounterColumnsSQL)
                import_started_at  INTEGER NOT NULL,
                completed          INTEGER NOT NULL DEFAULT 0,
                updated_at         TEXT    NOT NULL
            );
            """),
    ] + notifyMigrations  // rcom send's tables (StoreSchema+Notify.swift), numbered after these
        + suppressionMigrations  // 4: the suppressions table (StoreSchema+Suppressions.swift)
        + previewMigrations  // 5: rcom track's link previews (StoreSchema+Previews.swift)
        + pendingMigrations  // 6: rcom send's pending deliveries (StoreSchema+Pending.swift)
        + parallelMigrations     // 7, 8: the batch log of parallel writers, send claims (StoreSchema+Parallel.swift)
        + clientMigrations       // 9: clients, events, event deliveries (StoreSchema+Clients.swift)
        + keyMigrations          // 10, 11: rcom serve's API keys, idempotency per key (StoreSchema+Keys.swift)

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings `db` up to the latest version. Refuses a database newer than this binary knows,
    /// rather than guessing what its extra tables mean.
    public static func migrate(_ db: SQLiteDatabase, migrations: [Migration] = migrations) throws(StoreError) {
        let latest = migrations.last?.version ?? 0
        for (offset, migration) in migrations.enumerated() {
            precondition(migration.version == offset + 1, "migrations must be numbered 1, 2, 3, ...")
        }
        if try db.userVersion() >= latest {
            let found = try db.userVersion()
            guard found == latest else {
                throw .store("schema version \(found) is newer than this rcom knows (\(latest)); use a newer rcom",
                             context: "cannot use database \(db.path)")
            }
            return
        }
        for migration in migrations {
            try db.transaction(.immediate) { () throws(StoreError) in
                // Re-read under the write lock: another process may have migrated meanwhile.
                guard try db.userVersion() < migration.version else { return }
                try db.execute(migration.sql)
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
        }
    }
}
