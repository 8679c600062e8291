/// The tables of `rcom send`, `rcom track` and `rcom stats`: appended to
/// `StoreSchema.migrations` after the subscription store's own, in the same database file.
extension StoreSchema {
    public static let notifyMigrations: [Migration] = [
        Migration(version: 3, name: "notifications", sql: """
            -- One row per notification, written before delivery starts and finished once.
            CREATE TABLE notifications (
                id              TEXT    NOT NULL PRIMARY KEY,  -- 'n' + 16 hex digits, in the tracking link
                channel         TEXT    NOT NULL,              -- 'email', 'sms', 'slack', 'webhook', ...
                target          TEXT    NOT NULL,              -- normalised (E.164, lower-cased domain, ...)
                message         TEXT    NOT NULL,
                assignment      TEXT    NOT NULL CHECK (assignment IN ('chosen', 'random')),
                created_at_ms   INTEGER NOT NULL,              -- Unix ms
                outcome         TEXT    NOT NULL DEFAULT 'pending'
                                CHECK (outcome IN ('pending', 'delivered', 'failed', 'suppressed')),
                provider_answer TEXT,                          -- message id, or why it failed
                attempts        INTEGER NOT NULL DEFAULT 0,
                finished_at_ms  INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX notifications_channel_outcome ON notifications (channel, outcome);
            -- Every delivery attempt, including the ones that were retried.
            CREATE TABLE delivery_attempts (
                notification_id TEXT    NOT NULL REFERENCES notifications (id),
                attempt         INTEGER NOT NULL,              -- 1-based
                result          TEXT    NOT NULL CHECK (result IN ('delivered', 'transient', 'permanent')),
                detail          TEXT    NOT NULL,
                duration_ms     INTEGER NOT NULL,
                recorded_at_ms  INTEGER NOT NULL,
                PRIMARY KEY (notification_id, attempt)
            ) WITHOUT ROWID;
            -- Clicks on tracking links and acknowledgements; `first` marks the one that counts as
            -- engagement, repeats are kept and counted apart.
            CREATE TABLE clicks (
                id              INTEGER PRIMARY KEY,
                notification_id TEXT    NOT NULL REFERENCES notifications (id),
                kind            TEXT    NOT NULL CHECK (kind IN ('click', 'ack')),
                first           INTEGER NOT NULL CHECK (first IN (0, 1)),
                at_ms           INTEGER NOT NULL
            );
            CREATE INDEX clicks_notification ON clicks (notification_id);
            """),
    ]
}
