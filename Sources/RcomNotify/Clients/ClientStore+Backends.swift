import RcomStore

extension SQLiteNotificationStore: ClientStore, ClientSQLProvider {
    public func sql() throws(StoreError) -> ClientSQL {
        try flush()
        return SQLiteClientSQL(store: self)
    }
}

extension PostgresNotificationStore: ClientStore, ClientSQLProvider {
    public func sql() throws(StoreError) -> ClientSQL {
        try flush()
        return PostgresClientSQL(store: self)
    }
}

/// Statements are prepared once per text and kept by the store (a batch runs the same few
/// statements per event); each use resets it before binding and after running.
public struct SQLiteClientSQL: ClientSQL {
    let store: SQLiteNotificationStore
    var db: SQLiteDatabase { store.database }

    private func statement(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> SQLiteStatement {
        let s: SQLiteStatement
        if let cached = store.clientStatements[sql] {
            s = cached
            s.reset()
        } else {
            s = try db.prepare(sql)
            store.clientStatements[sql] = s
        }
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
        defer { s.reset() }
        var out: [[String?]] = []
        while try s.step() { out.append((0..<s.columnCount).map { s.text($0) }) }
        return out
    }

    public func run(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> Int {
        let s = try statement(sql, parameters)
        defer { s.reset() }
        try s.step()
        return db.changes
    }

    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try db.transaction(.immediate, body)
    }

    public var isPostgres: Bool { false }
}

/// Statements are prepared once per text on the store's connection (`clientPrepared`).
public struct PostgresClientSQL: ClientSQL {
    let store: PostgresNotificationStore
    var db: PostgresConnection { store.connection }

    private func execute(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> PostgresRows {
        let name: String
        if let known = store.clientPrepared[sql] { name = known } else {
            name = "client_sql_\(store.clientPrepared.count)"
            try db.prepare(name, sql)
            store.clientPrepared[sql] = name
        }
        return try db.run(prepared: name, texts(parameters))
    }

    private func texts(_ parameters: [SQLValue]) -> [String?] {
        parameters.map {
            switch $0 {
            case .text(let t): return t
            case .int(let v): return v.map { String($0) }
            }
        }
    }

    public func rows(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [[String?]] {
        let r = try execute(sql, parameters)
        return (0..<r.count).map { row in (0..<r.columnCount).map { r.text(row, $0) } }
    }

    public func run(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> Int {
        try execute(sql, parameters).affected
    }

    public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try db.transaction(body)
    }

    public var isPostgres: Bool { true }
}
