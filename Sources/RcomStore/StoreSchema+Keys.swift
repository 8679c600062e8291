/// Schemas 10 and 11: the API keys of `rcom serve` (design/api.md "Who may call it"). Only a key's
/// SHA-256 is kept: the key itself is printed once by `rcom serve keys create` and never stored,
/// so a copy of the database lets nobody call the API. The same table on both backends.
extension StoreSchema {
    static let keysSQL = """
            CREATE TABLE api_keys (
                id            TEXT    NOT NULL PRIMARY KEY,  -- 'k' + 16 hex digits, shown by keys list
                name          TEXT    NOT NULL UNIQUE,       -- what the operator calls it
                hash          TEXT    NOT NULL UNIQUE,       -- lower-case hex SHA-256 of the key
                scopes        TEXT    NOT NULL,              -- comma-separated: events:write, clients:write, read
                created_at_ms INTEGER NOT NULL,
                revoked_at_ms INTEGER                        -- set by keys revoke; a revoked key gets 401
            );
        """

    /// Schema 11: an Idempotency-Key is the API key's, whatever client its events name (issue
    /// 25: "the same key for the same API key returns the first answer"). The events table's
    /// `UNIQUE (client_id, idempotency_key)` stays for `rcom notify --key`; the API's events
    /// carry the key's id, unique with the idempotency key (stored as `<key id>:<header>`, so
    /// the older constraint never joins two API keys). NULLs are distinct: notify's events,
    /// which have no API key, are not in this index's way.
    static let keyIdempotencySQL = """
            ALTER TABLE events ADD COLUMN api_key_id TEXT;
            CREATE UNIQUE INDEX events_api_idempotency ON events (api_key_id, idempotency_key) WHERE api_key_id IS NOT NULL;
        """

    public static let keyMigrations: [Migration] = [
        Migration(version: 10, name: "api keys", sql: keysSQL),
        Migration(version: 11, name: "idempotency per api key", sql: keyIdempotencySQL),
    ]

    /// PostgreSQL's text of migrations 10 and 11, derived as migration 9's is (11 is the same text).
    public static let postgresKeyMigrations: [Migration] = [
        Migration(version: 10, name: "api keys", sql: keysSQL
                    .replacingEvery("INTEGER", with: "bigint").replacingEvery("TEXT   ", with: "text   ")),
        Migration(version: 11, name: "idempotency per api key", sql: keyIdempotencySQL),
    ]
}
