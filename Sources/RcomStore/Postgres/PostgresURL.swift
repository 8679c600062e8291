/// `postgres://user[:password]@host[:port]/dbname[?param=value&...]` (also `postgresql://`),
/// parsed strictly: a URL that libpq would read differently from what the person meant (a stray
/// `@`, a port that is not a number, an unknown parameter) is refused with the reason, rather
/// than passed on. User, password and database name are percent-decoded.
///
/// The password is kept apart and never part of `description`/`redacted`, so no error, log line
/// or report that prints the URL can show it.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    /// Host name, IPv4 or IPv6 address (without brackets), or an absolute directory holding the
    /// server's Unix socket (given as `?host=/dir`, libpq's own convention).
    public var host: String
    public var port: Int
    public var database: String
    /// Seconds libpq waits for the whole connection (TCP, TLS, authentication) before failing.
    /// libpq's floor is 2 s; 0 would mean wait forever, which rcom never asks for.
    public var connectTimeout_s: Int
    /// libpq's `sslmode`, when given.
    public var sslMode: String?

    public static let defaultPort = 5432
    public static let defaultConnectTimeout_s = 5
    static let sslModes: Set<String> = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// True when `text` names a PostgreSQL database (rather than an SQLite file path).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(parsing text: String) throws(PostgresURLError) {
        let rest: Substring
        if text.hasPrefix("postgres://") { rest = text.dropFirst("postgres://".count) }
        else if text.hasPrefix("postgresql://") { rest = text.dropFirst("postgresql://".count) }
        else { throw PostgresURLError("must start with postgres:// or postgresql://") }

        let (beforeQuery, query) = Self.split(rest, at: "?")
        guard let slash = beforeQuery.firstIndex(of: "/") else {
            throw PostgresURLError("names no database: postgres://user@host/dbname")
        }
        let authority = beforeQuery[..<slash]
        let path = beforeQuery[beforeQuery.index(after: slash)...]
        guard !path.isEmpty else { throw PostgresURLError("names no database: postgres://user@host/dbname") }
        guard !path.contains("/") else { throw PostgresURLError("the database name has a '/'") }
        database = try Self.decode(path, what: "database name")

        let ats = authority.filter { $0 == "@" }.count
        guard ats <= 1 else { throw PostgresURLError("has more than one '@' (write an '@' in the password as %40)") }
        guard ats == 1, let at = authority.firstIndex(of: "@") else {
            throw PostgresURLError("names no user: postgres://user[:password]@host/dbname")
        }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        let (userText, passwordText) = Self.split(userInfo, at: ":")
        guard !userText.isEmpty else { throw PostgresURLError("names no user: postgres://user[:password]@host/dbname") }
        user = try Self.decode(userText, what: "user name")
        password = try passwordText.map { (p) throws(PostgresURLError) in try Self.decode(p, what: "password") }

        var hostText: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw PostgresURLError("has an IPv6 address without its ']'") }
            hostText = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresURLError("has something after the IPv6 address's ']'") }
                portText = after.dropFirst()
            }
        } else {
            (hostText, portText) = Self.split(hostPort, at: ":")
        }
        if let portText {
            guard let p = Int(portText), (1...65_535).contains(p), portText.allSatisfy(\.isASCII) else {
                throw PostgresURLError("has a port that is not a number from 1 to 65535")
            }
            port = p
        } else {
            port = Self.defaultPort
        }
        host = String(hostText)
        connectTimeout_s = Self.defaultConnectTimeout_s
        sslMode = nil
        if let query { try applyParameters(query) }
        guard !host.isEmpty else { throw PostgresURLError("names no host: postgres://user@host/dbname (or ?host=/socket/dir)") }
    }

    private mutating func applyParameters(_ query: Substring) throws(PostgresURLError) {
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (key, valueText) = Self.split(pair, at: "=")
            let value = try Self.decode(valueText ?? "", what: "parameter \(key)")
            switch key {
            case "connect_timeout":
                guard let s = Int(value), (1...3_600).contains(s) else {
                    throw PostgresURLError("connect_timeout must be 1 to 3600 seconds")
                }
                connectTimeout_s = max(s, 2)   // libpq's own minimum
            case "sslmode":
                guard Self.sslModes.contains(value) else {
                    throw PostgresURLError("sslmode must be one of \(Self.sslModes.sorted().joined(separator: ", "))")
                }
                sslMode = value
            case "host":
                guard value.hasPrefix("/") else { throw PostgresURLError("?host= takes the socket directory (an absolute path)") }
                guard host.isEmpty else { throw PostgresURLError("names a host twice (before the '/' and in ?host=)") }
                host = value
            default:
                throw PostgresURLError("has an unknown parameter '\(Self.printable(key))' (known: connect_timeout, sslmode, host)")
            }
        }
    }

    /// The URL without its password, safe to print.
    public var redacted: String {
        let hostPart = host.hasPrefix("/") ? "" : (host.contains(":") ? "[\(host)]" : host)
        let socket = host.hasPrefix("/") ? "?host=\(host)" : ""
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(hostPart):\(port)/\(database)\(socket)"
    }

    public var description: String { redacted }

    /// libpq's keyword/value pairs (PQconnectdbParams), so no value needs quoting.
    var connectionParameters: [(String, String)] {
        var p: [(String, String)] = [("host", host), ("port", String(port)), ("dbname", database), ("user", user),
                                     ("connect_timeout", String(connectTimeout_s)),
                                     ("application_name", "rcom"),
                                     // A dropped server is found within about a minute instead of
                                     // TCP's two hours, so a connection never hangs on a dead peer.
                                     ("keepalives", "1"), ("keepalives_idle", "10"),
                                     ("keepalives_interval", "5"), ("keepalives_count", "3"),
                                     ("tcp_user_timeout", "30000"),
                                     // Never read ~/.pgpass or PG* environment defaults for a password
                                     // the URL did not give: what rcom connects with is what it was told.
                                     ("passfile", "/dev/null")]
        if let password { p.append(("password", password)) }
        if let sslMode { p.append(("sslmode", sslMode)) }
        return p
    }

    private static func split(_ s: Substring, at c: Character) -> (Substring, Substring?) {
        guard let i = s.firstIndex(of: c) else { return (s, nil) }
        return (s[..<i], s[s.index(after: i)...])
    }

    /// Percent-decoding; a malformed escape or bytes that are not UTF-8 are refused.
    private static func decode(_ s: Substring, what: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        var utf8 = s.utf8[...]
        while let b = utf8.popFirst() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard let h = utf8.popFirst(), let l = utf8.popFirst(), let hi = hexValue(h), let lo = hexValue(l) else {
                throw PostgresURLError("has a bad %-escape in the \(what)")
            }
            bytes.append(hi << 4 | lo)
        }
        guard let text = String(validating: bytes, as: UTF8.self), !text.utf8.contains(0) else {
            throw PostgresURLError("the \(what) is not valid UTF-8")
        }
        return text
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A key from the URL, safe to echo: printable ASCII only, at most 40 characters.
    private static func printable(_ s: Substring) -> String {
        String(s.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?" })
    }
}

/// Why a `--db postgres://…` URL was refused. The message never repeats the URL (it may hold a
/// password).
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "the PostgreSQL URL \(reason)" }
}
