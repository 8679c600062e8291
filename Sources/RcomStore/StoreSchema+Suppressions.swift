/// Schema 4: suppression state moves out of `subscriptions` into a table of its own.
///
/// Why: suppressing in place rewrote a row of the 1M-row `subscriptions` table per address (a
/// seek, a cell rewrite, ~12 k leaf pages dirtied and checkpointed); inserting the same keys, in
/// sorted order, into a narrow `suppressions` table appends to its B-tree instead, so each page
/// is written about once. Numbered after `rcom send`'s migration 3 (StoreSchema+Notify.swift).
extension StoreSchema {
    /// Schema 4's SQL both backends run as it is: the copy of the suppressed subscriptions
    /// into the new table, in key order, and the view readers (and tools) see them through.
    static let suppressionsCopySQL = """
            INSERT INTO suppressions (email, reason_id, suppressed_at)
                SELECT email, suppression_reason_id, suppressed_at FROM subscriptions
                WHERE suppressed = 1 ORDER BY email;
        """
    static let suppressionStatusViewSQL = """
            CREATE VIEW subscription_status AS
                SELECT s.email, s.id, s.subscribed_at, p.email IS NOT NULL AS suppressed,
                       r.reason AS suppression_reason, p.suppressed_at
                FROM subscriptions s
                LEFT JOIN suppressions p ON p.email = s.email
                LEFT JOIN suppression_reasons r ON r.id = p.reason_id;
        """

    public static let suppressionMigrations: [Migration] = [
        Migration(version: 4, name: "suppressions table", sql: """
            -- A subscription is suppressed iff its email is here. Keyed by the normalised address
            -- (SuppressionKey), WITHOUT ROWID: one B-tree, sorted inserts append to it. Rows are
            -- never updated nor deleted by an import (INSERT OR IGNORE), so an import cannot
            -- un-suppress anyone or rewrite a reason.
            CREATE TABLE suppressions (
                email         TEXT    NOT NULL PRIMARY KEY,
                reason_id     INTEGER REFERENCES suppression_reasons (id),
                suppressed_at INTEGER                         -- Unix seconds: the bounce, or the import
            ) WITHOUT ROWID;
            \(suppressionsCopySQL)
            -- subscriptions.suppressed / suppression_reason_id / suppressed_at are no longer read:
            -- SQLite cannot drop a column with a foreign key without rebuilding the 1M-row table.
            -- They keep their values as of this migration; a tool that still sets suppressed = 1
            -- is mirrored here, so it keeps suppressing.
            CREATE TRIGGER subscriptions_legacy_suppress_insert AFTER INSERT ON subscriptions
                WHEN NEW.suppressed = 1
                BEGIN
                    INSERT OR IGNORE INTO suppressions (email, reason_id, suppressed_at)
                        VALUES (NEW.email, NEW.suppression_reason_id, NEW.suppressed_at);
                END;
            CREATE TRIGGER subscriptions_legacy_suppress_update AFTER UPDATE OF suppressed ON subscriptions
                WHEN NEW.suppressed = 1
                BEGIN
                    INSERT OR IGNORE INTO suppressions (email, reason_id, suppressed_at)
                        VALUES (NEW.email, NEW.suppression_reason_id, NEW.suppressed_at);
                END;
            -- The suppression state of every subscription, as readers (and tools) should see it.
            \(suppressionStatusViewSQL)
            """),
    ]
}
