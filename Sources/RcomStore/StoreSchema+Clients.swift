/// Schema 9: clients, their events, and each event's deliveries (`rcom clients`, `rcom notify`;
/// design/notify.md "Clients and events"). The same tables on both backends; PostgreSQL's text
/// is derived from SQLite's by the type names alone, so the two cannot drift.
extension StoreSchema {
    static let clientsSQL = """
            -- One row per client: its definition in the client file's JSON (the canonical form
            -- ClientDefinition.json writes), read back through the same strict parser.
            CREATE TABLE clients (
                id            TEXT    NOT NULL PRIMARY KEY,
                definition    TEXT    NOT NULL,
                updated_at_ms INTEGER NOT NULL
            );
            -- One row per event given to rcom notify. idempotency_key is unique per client (NULLs
            -- are distinct on both backends): the same --key never makes a second event.
            CREATE TABLE events (
                id              TEXT    NOT NULL PRIMARY KEY,  -- 'e' + 16 hex digits
                client_id       TEXT    NOT NULL,              -- not a reference: history outlives a removed client
                event_type      TEXT    NOT NULL,
                message         TEXT    NOT NULL,
                urgent          INTEGER NOT NULL CHECK (urgent IN (0, 1)),
                idempotency_key TEXT,
                status          TEXT    NOT NULL CHECK (status IN ('routed', 'held', 'escalating', 'muted', 'unrouted',
                                                                   'delivered', 'failed', 'suppressed', 'acknowledged')),
                reason          TEXT,                          -- unrouted/muted: why; failed: the last answer
                rule            TEXT,                          -- the rule's event pattern
                mode            TEXT,                          -- all, fallback, escalate
                experiment      TEXT,                          -- the rule's experiment, when the first channel was drawn
                -- When rcom notify --run-due takes it: held, when quiet hours end; escalating, when
                -- the next step is due; while a run holds it, the end of that run's lease.
                due_at_ms       INTEGER,
                next_step       INTEGER NOT NULL DEFAULT 0,    -- the plan's step to send when due
                created_at_ms   INTEGER NOT NULL,
                UNIQUE (client_id, idempotency_key)
            );
            CREATE INDEX events_due ON events (due_at_ms) WHERE due_at_ms IS NOT NULL;
            -- Each notification sent for an event, with its step in the plan (0-based).
            CREATE TABLE event_deliveries (
                event_id        TEXT    NOT NULL REFERENCES events (id),
                step            INTEGER NOT NULL,
                notification_id TEXT    NOT NULL REFERENCES notifications (id),
                PRIMARY KEY (event_id, notification_id)
            );
        """

    public static let clientMigrations: [Migration] = [
        Migration(version: 9, name: "clients and events", sql: clientsSQL),
    ]

    /// PostgreSQL's text of migration 9 (`PostgresSchema.migrations`).
    public static let postgresClientMigrations: [Migration] = [
        Migration(version: 9, name: "clients and events", sql: clientsSQL
                    .replacingEvery("INTEGER", with: "bigint").replacingEvery("TEXT   ", with: "text   ")),
    ]
}
