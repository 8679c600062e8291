import RcomStore

extension SQLiteNotificationStore: ClientStore, ClientSQLProvider {
    public func sql() throws(StoreError) -> ClientSQL {
        try flush()
        return SQLiteClientSQL(db: database)
    }
}

extension PostgresNotificationStore: ClientStore, ClientSQLProvider {
    public func sql() throws(StoreError) -> ClientSQL {
        try flush()
        return PostgresClientSQL(db: connection)
    }
}

/// Statements are prepared per call: client and event writes are a few per command, not a hot path.
public struct SQLiteClientSQL: ClientSQL {
    let db: SQLiteDatabase

    private func statement(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> SQLiteStatement {
        let s = try db.prepare(sql)
        for (i, p) in parameters.enumerated() {
            switch p {
            case .text(let t): s.bind(Int32(i + 1), t)
            case .int(let v?): s.bind(Int32(i + 1), v)
            case .int(nil): s.bind(Int32(i + 1), nil as String?)
            }
        }
        return s
    }

    public func rows(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [[String?]] {
        let s = try statement(sql, parameters)
        var out: [[String?]] = []
        while try s.step() { out.append((0..<s.columnCount).map { s.text($0) }) }
        return out
    }

    public func run(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> Int {
        try statement(sql, parameters).step()
        return db.changes
    }

    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try db.transaction(.immediate, body)
    }

    public var isPostgres: Bool { false }
}

public struct PostgresClientSQL: ClientSQL {
    let db: PostgresConnection

    private func texts(_ parameters: [SQLValue]) -> [String?] {
        parameters.map {
            switch $0 {
            case .text(let t): return t
            case .int(let v): return v.map { String($0) }
            }
        }
    }

    public func rows(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [[String?]] {
        let r = try db.query(sql, texts(parameters))
        return (0..<r.count).map { row in (0..<r.columnCount).map { r.text(row, $0) } }
    }

    public func run(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> Int {
        try db.query(sql, texts(parameters)).affected
    }

    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try db.transaction(body)
    }

    public var isPostgres: Bool { true }
}
