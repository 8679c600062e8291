/// Where the store lives: an SQLite file (the embedded default) or a PostgreSQL database.
/// `rcom blacklist`, `rcom send`, `rcom stats` and `rcom track` select it the same way:
/// `--db` (or its environment variable) when given, else `RCOM_DATABASE_URL` when set, else the
/// default SQLite file; a value starting `postgres://` or `postgresql://` is PostgreSQL, anything
/// else a path.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// The environment variable naming the database for every command (lower precedence than --db).
    public static let urlEnvironmentVariable = "RCOM_DATABASE_URL"

    public init(parsing text: String) throws(PostgresURLError) {
        self = PostgresURL.isURL(text) ? .postgres(try PostgresURL(parsing: text)) : .sqlite(path: text)
    }

    /// `given`: --db's value when it was given (flag or env), nil otherwise.
    public static func select(given: String?, defaultPath: String,
                              environment: [String: String]) throws(PostgresURLError) -> StoreLocation {
        if let given, !given.isEmpty { return try StoreLocation(parsing: given) }
        if let url = environment[urlEnvironmentVariable], !url.isEmpty { return try StoreLocation(parsing: url) }
        return .sqlite(path: defaultPath)
    }

    /// Printable: the path, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.redacted
        }
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// Opens (and migrates) the suppression store there.
    public func openSuppressionStore() throws(StoreError) -> any SuppressionStore {
        switch self {
        case .sqlite(let path): return try SQLiteSuppressionStore(path: path)
        case .postgres(let url): return try PostgresSuppressionStore(url: url)
        }
    }
}
