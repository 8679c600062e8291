/// Schema 6: a notification whose temporary failures outlasted its quick retries stays
/// `pending` with the time `rcom send --retry-pending` may try it again (additive: two columns
/// and a partial index; rows written before keep NULL and 0, meaning "not waiting for a retry").
extension StoreSchema {
    public static let pendingMigrations: [Migration] = [
        Migration(version: 6, name: "pending deliveries", sql: """
            -- When --retry-pending may try again (Unix ms); set only while outcome = 'pending' after
            -- a temporary failure. A retry run moves it forward first (its claim, so two runs at
            -- once do not both send).
            ALTER TABLE notifications ADD COLUMN next_attempt_at_ms INTEGER;
            -- Rounds of quick retries that ended in a temporary failure (picks the next delay).
            ALTER TABLE notifications ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX notifications_due ON notifications (next_attempt_at_ms) WHERE next_attempt_at_ms IS NOT NULL;
            """),
    ]
}
