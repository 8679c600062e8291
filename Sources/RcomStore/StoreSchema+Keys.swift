/// Schema 10: the API keys of `rcom serve` (design/api.md "Who may call it"). Only a key's
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

    public static let keyMigrations: [Migration] = [
        Migration(version: 10, name: "api keys", sql: keysSQL),
    ]

    /// PostgreSQL's text of migration 10, derived as migration 9's is.
    public static let postgresKeyMigrations: [Migration] = [
        Migration(version: 10, name: "api keys", sql: keysSQL
                    .replacingEvery("INTEGER", with: "bigint").replacingEvery("TEXT   ", with: "text   ")),
    ]
}
