import Foundation
import RcomStore

/// One event as `rcom notify` records it (table `events`).
public struct EventRecord: Sendable, Equatable {
    public var id: String
    public var clientID: String
    public var eventType: String
    public var message: String
    public var urgent: Bool
    public var key: String?
    /// routed, held, escalating, muted, unrouted, delivered, failed, suppressed
    public var status: String
    public var reason: String?
    public var rule: String?
    public var mode: String?
    public var experiment: String?
    public var heldUntil_ms: Int64?
    public var createdAt_ms: Int64
    /// `rcom serve`: the API key that posted it. Its `key` is then unique per API key, across
    /// clients (schema 11), rather than per client.
    public var apiKeyID: String?

    public init(id: String, clientID: String, eventType: String, message: String, urgent: Bool, key: String?, status: String,
                reason: String? = nil, rule: String? = nil, mode: String? = nil, experiment: String? = nil,
                heldUntil_ms: Int64? = nil, createdAt_ms: Int64, apiKeyID: String? = nil) {
        self.id = id
        self.clientID = clientID
        self.eventType = eventType
        self.message = message
        self.urgent = urgent
        self.key = key
        self.status = status
        self.reason = reason
        self.rule = rule
        self.mode = mode
        self.experiment = experiment
        self.heldUntil_ms = heldUntil_ms
        self.createdAt_ms = createdAt_ms
        self.apiKeyID = apiKeyID
    }
}

public enum EventInsert: Sendable, Equatable {
    case inserted
    /// The client already has an event with this idempotency key: its id and status.
    case duplicate(id: String, status: String)
    /// Not inserted, and no event holds its key for its scope: the key is taken otherwise (an
    /// `rcom notify --key` of the same client spelled as an API key's), so there is no first
    /// answer to give.
    case conflict
}

/// What applying a file changed.
public struct ClientApplyCounts: Sendable, Equatable {
    public var created = 0, updated = 0, unchanged = 0, removed = 0
    public init() {}
}

/// Clients and events in the store, on SQLite and PostgreSQL alike (the same SQL, run through
/// `ClientSQL`). `rcom clients`, `rcom notify` and, later, an HTTP API use only this.
public protocol ClientStore: AnyObject {
    /// Every client's stored definition (client file JSON), by id.
    func clientDefinitions() throws(StoreError) -> [(id: String, json: String)]
    func clientDefinition(id: String) throws(StoreError) -> String?
    /// Upserts `clients` and removes `remove`, in one transaction: all or nothing.
    func applyClients(_ clients: [(id: String, json: String)], remove: [String], now_ms: Int64) throws(StoreError) -> ClientApplyCounts
    func removeClient(id: String) throws(StoreError) -> Bool
    /// Committed before it returns, all in one transaction; a (client, key) seen before is not
    /// inserted again. One answer per event, in order.
    func insertEvents(_ events: [EventRecord]) throws(StoreError) -> [EventInsert]
    /// Events' notifications, with their step in the plan, and their new status, in one
    /// transaction (a batch finishes its events in groups).
    func finishEvents(_ items: [EventFinish]) throws(StoreError)
    /// Takes up to `limit` held or escalating events due by `now_ms`, soonest first, and moves
    /// their due time to `now_ms + lease_ms` in the same statement or transaction: a second
    /// `--run-due` meanwhile does not take them, and a run that dies leaves them due again once
    /// the lease is over (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one IMMEDIATE transaction).
    func claimDueEvents(now_ms: Int64, limit: Int, lease_ms: Int64) throws(StoreError) -> [DueEvent]
    /// Whether any notification of the event was acknowledged (`rcom track`'s /a/ID).
    func isAcknowledged(eventID: String) throws(StoreError) -> Bool
    /// Per channel counts of the first step's notifications of events in experiment `name`
    /// (the channel drawn at random), as `rcom stats --experiment` compares them.
    func experimentCounts(_ name: String) throws(StoreError) -> [ChannelCounts]
    /// The same counts over every event's notifications, grouped (observational: who chose
    /// which channel is not controlled; `rcom stats --by`).
    func eventCounts(by grouping: EventGrouping) throws(StoreError) -> [ChannelCounts]
}

public enum EventGrouping: String, Sendable, CaseIterable {
    case channel, event, client
    var column: String { self == .channel ? "n.channel" : self == .event ? "e.event_type" : "e.client_id" }
}

/// How an event ended, or (`next`) which step is due later and when.
public struct EventFinish {
    public let id: String
    public let status: String
    public let reason: String?
    public let deliveries: [(step: Int, notificationID: String)]
    public let next: (step: Int, due_ms: Int64)?

    public init(id: String, status: String, reason: String?, deliveries: [(step: Int, notificationID: String)], next: (step: Int, due_ms: Int64)?) {
        self.id = id
        self.status = status
        self.reason = reason
        self.deliveries = deliveries
        self.next = next
    }
}

extension ClientStore {
    public func insertEvent(_ e: EventRecord) throws(StoreError) -> EventInsert {
        try insertEvents([e])[0]
    }

    public func finishEvent(id: String, status: String, reason: String?, deliveries: [(step: Int, notificationID: String)],
                            next: (step: Int, due_ms: Int64)?) throws(StoreError) {
        try finishEvents([EventFinish(id: id, status: status, reason: reason, deliveries: deliveries, next: next)])
    }
}

/// A held or escalating event a `--run-due` claimed.
public struct DueEvent: Sendable, Equatable {
    public let id: String
    public let clientID: String
    public let eventType: String
    public let message: String
    public let urgent: Bool
    public let status: String
    public let nextStep: Int
    public let createdAt_ms: Int64
}

/// A parameter of the shared SQL.
public enum SQLValue: Sendable {
    case text(String?)
    case int(Int64?)
}

/// The little the client store needs from a connection; SQL is written once with `$1, $2, …`
/// in order of first use (SQLite numbers `$NAME` parameters by first appearance, so `$1` is 1)
/// and no casts (PostgreSQL infers each parameter's type from its column).
public protocol ClientSQL {
    func rows(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [[String?]]
    /// Rows the last statement changed.
    func run(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> Int
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T
    var isPostgres: Bool { get }
}

extension ClientStore where Self: ClientSQLProvider {
    public func clientDefinitions() throws(StoreError) -> [(id: String, json: String)] {
        try sql().rows("SELECT id, definition FROM clients ORDER BY id", []).map { ($0[0] ?? "", $0[1] ?? "") }
    }

    public func clientDefinition(id: String) throws(StoreError) -> String? {
        try sql().rows("SELECT definition FROM clients WHERE id = $1", [.text(id)]).first?[0] ?? nil
    }

    public func applyClients(_ clients: [(id: String, json: String)], remove: [String], now_ms: Int64) throws(StoreError) -> ClientApplyCounts {
        let db = try sql()
        return try db.transaction { () throws(StoreError) -> ClientApplyCounts in
            var counts = ClientApplyCounts()
            var existing: [String: String] = [:]
            for r in try db.rows("SELECT id, definition FROM clients", []) { existing[r[0] ?? ""] = r[1] ?? "" }
            for c in clients {
                switch existing[c.id] {
                case c.json?: counts.unchanged += 1
                case nil:
                    _ = try db.run("INSERT INTO clients (id, definition, updated_at_ms) VALUES ($1, $2, $3)", [.text(c.id), .text(c.json), .int(now_ms)])
                    counts.created += 1
                default:
                    _ = try db.run("UPDATE clients SET definition = $1, updated_at_ms = $2 WHERE id = $3", [.text(c.json), .int(now_ms), .text(c.id)])
                    counts.updated += 1
                }
            }
            for id in remove { counts.removed += try db.run("DELETE FROM clients WHERE id = $1", [.text(id)]) }
            return counts
        }
    }

    public func removeClient(id: String) throws(StoreError) -> Bool {
        try sql().run("DELETE FROM clients WHERE id = $1", [.text(id)]) == 1
    }

    public func insertEvents(_ events: [EventRecord]) throws(StoreError) -> [EventInsert] {
        let db = try sql()
        return try db.transaction { () throws(StoreError) -> [EventInsert] in
            var out: [EventInsert] = []
            out.reserveCapacity(events.count)
            for e in events { out.append(try insert(e, db)) }
            return out
        }
    }

    private func insert(_ e: EventRecord, _ db: ClientSQL) throws(StoreError) -> EventInsert {
        // An API key's event: any unique conflict (its key's index, schema 11) means nothing new.
        let conflict = e.apiKeyID == nil ? "(client_id, idempotency_key)" : ""
        let changed = try db.run("""
            INSERT INTO events (id, client_id, event_type, message, urgent, idempotency_key, status, reason, rule, mode,
                                experiment, due_at_ms, created_at_ms, api_key_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT \(conflict) DO NOTHING
            """, [.text(e.id), .text(e.clientID), .text(e.eventType), .text(e.message), .int(e.urgent ? 1 : 0), .text(e.key),
                  .text(e.status), .text(e.reason), .text(e.rule), .text(e.mode), .text(e.experiment), .int(e.heldUntil_ms),
                  .int(e.createdAt_ms), .text(e.apiKeyID)])
        if changed == 1 { return .inserted }
        let first = if let k = e.apiKeyID {
            try db.rows("SELECT id, status FROM events WHERE api_key_id = $1 AND idempotency_key = $2", [.text(k), .text(e.key)])
        } else {
            try db.rows("SELECT id, status FROM events WHERE client_id = $1 AND idempotency_key = $2", [.text(e.clientID), .text(e.key)])
        }
        guard let row = first.first else { return .conflict }
        return .duplicate(id: row[0] ?? "?", status: row[1] ?? "?")
    }

    public func finishEvents(_ items: [EventFinish]) throws(StoreError) {
        let db = try sql()
        try db.transaction { () throws(StoreError) in
            for e in items {
                for d in e.deliveries {
                    _ = try db.run("INSERT INTO event_deliveries (event_id, step, notification_id) VALUES ($1, $2, $3)",
                                   [.text(e.id), .int(Int64(d.step)), .text(d.notificationID)])
                }
                _ = try db.run("UPDATE events SET status = $1, reason = $2, due_at_ms = $3, next_step = $4 WHERE id = $5",
                               [.text(e.status), .text(e.reason), .int(e.next?.due_ms), .int(Int64(e.next?.step ?? 0)), .text(e.id)])
            }
        }
    }

    public func claimDueEvents(now_ms: Int64, limit: Int, lease_ms: Int64) throws(StoreError) -> [DueEvent] {
        let db = try sql()
        let columns = "id, client_id, event_type, message, urgent, status, next_step, created_at_ms"
        // 'routed' with a due time: accepted by rcom serve and not yet carried out (its due
        // runner claims it at once; after a crash, once the lease is over).
        let due = "due_at_ms IS NOT NULL AND due_at_ms <= $1 AND status IN ('held', 'escalating', 'routed')"
        let rows: [[String?]]
        if db.isPostgres {
            rows = try db.rows("""
                WITH due AS (SELECT id FROM events WHERE \(due) ORDER BY due_at_ms, id COLLATE "C" LIMIT $2 FOR UPDATE SKIP LOCKED)
                UPDATE events e SET due_at_ms = $3 FROM due WHERE e.id = due.id
                RETURNING \(columns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                """, [.int(now_ms), .int(Int64(limit)), .int(now_ms + lease_ms)])
        } else {
            rows = try db.transaction { () throws(StoreError) -> [[String?]] in
                let found = try db.rows("SELECT \(columns) FROM events WHERE \(due) ORDER BY due_at_ms, id LIMIT $2",
                                        [.int(now_ms), .int(Int64(limit))])
                for r in found { _ = try db.run("UPDATE events SET due_at_ms = $1 WHERE id = $2", [.int(now_ms + lease_ms), .text(r[0])]) }
                return found
            }
        }
        return rows.map { r in
            DueEvent(id: r[0] ?? "", clientID: r[1] ?? "", eventType: r[2] ?? "", message: r[3] ?? "", urgent: r[4] == "1",
                     status: r[5] ?? "", nextStep: Int(r[6] ?? "") ?? 0, createdAt_ms: Int64(r[7] ?? "") ?? 0)
        }
    }

    public func experimentCounts(_ name: String) throws(StoreError) -> [ChannelCounts] {
        try counts(group: "n.channel", where: "e.experiment = $1 AND d.step = 0", [.text(name)])
    }

    public func eventCounts(by grouping: EventGrouping) throws(StoreError) -> [ChannelCounts] {
        try counts(group: grouping.column, where: "1 = 1", [])
    }

    /// Per group counts of the notifications sent for events; portable aggregates (CASE,
    /// coalesce) so that one text runs on both backends. The group's value is in `channel`.
    private func counts(group: String, where filter: String, _ parameters: [SQLValue]) throws(StoreError) -> [ChannelCounts] {
        try sql().rows("""
            SELECT \(group), count(*),
                   sum(CASE WHEN n.outcome = 'delivered' THEN 1 ELSE 0 END), sum(CASE WHEN n.outcome = 'failed' THEN 1 ELSE 0 END),
                   sum(CASE WHEN n.outcome = 'suppressed' THEN 1 ELSE 0 END),
                   sum(CASE WHEN n.outcome = 'delivered' AND EXISTS (SELECT 1 FROM clicks c WHERE c.notification_id = n.id) THEN 1 ELSE 0 END),
                   coalesce(sum((SELECT count(*) FROM clicks c WHERE c.notification_id = n.id AND c.first = 0)), 0),
                   coalesce(sum((SELECT count(*) FROM link_previews p WHERE p.notification_id = n.id)), 0)
            FROM events e JOIN event_deliveries d ON d.event_id = e.id JOIN notifications n ON n.id = d.notification_id
            WHERE \(filter)
            GROUP BY \(group)
            """, parameters).map { r in
            var c = ChannelCounts(channel: r[0] ?? "")
            let v = r.dropFirst().map { Int($0 ?? "") ?? 0 }
            (c.notifications, c.delivered, c.failed, c.suppressed, c.engaged, c.repeatClicks, c.previews) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6])
            return c
        }.sorted { $0.channel < $1.channel }
    }

    public func isAcknowledged(eventID: String) throws(StoreError) -> Bool {
        try !sql().rows("""
            SELECT 1 FROM event_deliveries d JOIN clicks c ON c.notification_id = d.notification_id
            WHERE d.event_id = $1 AND c.kind = 'ack' LIMIT 1
            """, [.text(eventID)]).isEmpty
    }
}

/// A store that can run the client store's SQL: it first commits its own grouped delivery
/// writes, so client and event writes are never mixed into that group's transaction.
public protocol ClientSQLProvider {
    func sql() throws(StoreError) -> ClientSQL
}
