import Foundation
import CPostgres

/// One PostgreSQL connection through libpq. Not Sendable: a connection belongs to the thread
/// that uses it (libpq connections are not safe to share), so each writer opens its own.
///
/// Errors come back as `StoreError`s whose text is built from libpq's and the server's messages
/// with the password scrubbed out (libpq does not put it there, and this makes sure). Server
/// notices are dropped rather than printed by libpq's default processor (untrusted bytes on the
/// terminal).
public final class PostgresConnection {
    let handle: OpaquePointer
    public let url: PostgresURL

    /// Connects, waiting at most the URL's connect timeout. Fails with the server's reason
    /// (authentication, unknown database, unreachable), never printing the password.
    public init(url: PostgresURL) throws(StoreError) {
        self.url = url
        let pairs = url.connectionParameters
        var keys = pairs.map { strdup($0.0) }
        var values = pairs.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        keys.append(nil)
        values.append(nil)
        let conn: OpaquePointer? = keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                k.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: k.count) { kp in
                    v.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: v.count) { vp in
                        PQconnectdbParams(kp, vp, 0)
                    }
                }
            }
        }
        guard let conn else {
            throw StoreError(code: 0, message: "out of memory", context: "cannot connect to \(url.redacted)")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let raw = PQerrorMessage(conn).map { String(cString: $0) } ?? "unknown error"
            PQfinish(conn)
            var error = StoreError(code: 0, message: Self.scrub(raw, password: url.password),
                                   context: "cannot connect to \(url.redacted)")
            if raw.contains("password authentication failed") { error.sqlState = "28P01" }
            else if raw.contains("does not exist") && raw.contains("database") { error.sqlState = "3D000" }
            else { error.connectionLost = true }
            throw error
        }
        handle = conn
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// Removes what must not be printed from a libpq or server message, and trims it to one line.
    static func scrub(_ message: String, password: String?) -> String {
        var text = message
        if let password, !password.isEmpty {
            text = text.replacingEvery(password, with: "***")
        }
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingBlanks() }
        return lines.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// Runs one or more statements, no parameters, results ignored.
    public func execute(_ sql: String) throws(StoreError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    /// Runs `sql` with text parameters ($1, $2, …; nil is NULL) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> PostgresRows {
        let result = withParameters(parameters) { count, values in
            PQexecParams(handle, sql, Int32(count), nil, values, nil, nil, 0)
        }
        return try rows(result, sql)
    }

    /// Prepares `sql` under `name` for `run(prepared:)`.
    public func prepare(_ name: String, _ sql: String) throws(StoreError) {
        let result = PQprepare(handle, name, sql, 0, nil)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    public func run(prepared name: String, _ parameters: [String?] = []) throws(StoreError) -> PostgresRows {
        let result = withParameters(parameters) { count, values in
            PQexecPrepared(handle, name, Int32(count), values, nil, nil, 0)
        }
        return try rows(result, "prepared statement \(name)")
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws. A lost
    /// connection rolls back on the server by itself.
    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            PQclear(PQexec(handle, "ROLLBACK"))
            throw error
        }
    }

    /// Runs a `COPY … FROM STDIN` statement, sending what `produce` appends to its buffer (rows in
    /// COPY's text format) each time it is called, until it returns false. Bound: one buffer of
    /// whatever `produce` appends per call, sent before the next call.
    public func copyIn(_ sql: String, _ produce: (inout [UInt8]) throws(StoreError) -> Bool) throws(StoreError) {
        let start = PQexec(handle, sql)
        let started = PQresultStatus(start) == PGRES_COPY_IN
        if !started { defer { PQclear(start) }; try check(start, sql); return }
        PQclear(start)
        var buffer: [UInt8] = []
        var failure: StoreError?
        do {
            while true {
                buffer.removeAll(keepingCapacity: true)
                let more = try produce(&buffer)
                if !buffer.isEmpty {
                    let sent = buffer.withUnsafeBufferPointer { b in
                        b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(handle, $0, Int32(b.count)) }
                    }
                    guard sent == 1 else { break }
                }
                if !more { break }
            }
        } catch {
            failure = error
        }
        _ = PQputCopyEnd(handle, failure == nil ? nil : "rcom stopped the copy")
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if failure == nil { do { try check(result, sql) } catch { failure = error } }
        }
        if let failure { throw failure }
    }

    /// The server process serving this connection (for tests that end it from outside).
    public var backendPID: Int32 { PQbackendPID(handle) }

    private func withParameters<R>(_ parameters: [String?],
                                   _ body: (Int, UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        var copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return copies.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body(buffer.count, $0) }
            } ?? body(0, nil)
        }
    }

    /// The result as rows, or its error (the result cleared).
    private func rows(_ result: OpaquePointer?, _ what: String) throws(StoreError) -> PostgresRows {
        do { try check(result, what) } catch {
            PQclear(result)
            throw error
        }
        return PostgresRows(result!)
    }

    /// Throws the result's error, if it is one; a nil result is libpq out of memory or a lost
    /// connection. Never clears the result: its caller owns it.
    private func check(_ result: OpaquePointer?, _ what: String) throws(StoreError) {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default:
            let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
            let raw = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) }
                ?? PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error"
            var error = StoreError(code: 0, message: Self.scrub(raw, password: url.password),
                                   context: "cannot run \(Self.firstWords(what)) [\(url.redacted)]")
            error.sqlState = sqlState
            error.connectionLost = PQstatus(handle) != CONNECTION_OK || sqlState.hasPrefix("08") || sqlState == "57P01"
            throw error
        }
    }

    private static func firstWords(_ sql: String) -> String {
        let oneLine = sql.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingBlanks() }.joined(separator: " ")
        return String(oneLine.prefix(60))
    }
}

/// The rows of one result, in libpq's text format. Owns the result (cleared on deinit).
public final class PostgresRows {
    let result: OpaquePointer
    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    public var count: Int { Int(PQntuples(result)) }
    public var columnCount: Int { Int(PQnfields(result)) }
    /// Rows an INSERT/UPDATE/DELETE touched.
    public var affected: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    public func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) != 0 }

    public func text(_ row: Int, _ column: Int) -> String? {
        guard !isNull(row, column) else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    public func int64(_ row: Int, _ column: Int) -> Int64 {
        text(row, column).flatMap { Int64($0) } ?? 0
    }
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        let scalars = unicodeScalars.drop(while: { $0 == " " || $0 == "\t" })
        var s = String(String.UnicodeScalarView(scalars))
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }

    func replacingEvery(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
