import Foundation
import RcomCore
import RcomReactor
import RcomStore

/// What the store worker does with one round of requests (on its thread, never the reactor's):
/// keys checked, events routed by the routing stage and inserted in one transaction, the
/// other requests run one by one. Every answer is a status and a JSON body.
final class ServeStoreService {
    let store: ClientsSetup.Store
    let sql: ClientSQLProvider
    let entropy: EntropySource
    let wall_ms: () -> Int64
    /// Told when routed events were committed: the due runner claims them at once.
    let committed: () -> Void
    /// Each event's client, parsed only when its stored text changed.
    private let definitions = ClientDefinitionCache()

    init(store: ClientsSetup.Store, entropy: EntropySource = SystemEntropy(), wall_ms: @escaping () -> Int64 = { MonotonicClock.wall_ms() },
         committed: @escaping () -> Void) {
        self.store = store
        self.sql = store as! ClientSQLProvider  // both stores are (ClientStore+Backends.swift)
        self.entropy = entropy
        self.wall_ms = wall_ms
        self.committed = committed
    }

    static func acceptedBody(_ id: String) -> String {
        JSONText.object([("id", JSONText.quote(id)), ("status", JSONText.quote("/v1/events/\(id)"))])
    }

    static let unauthorized = ServeRoutes.message("unauthorized")
    static let storeDown = ServeRoutes.message("the store is not answering; try again")

    func answer(_ jobs: [ServeJob]) -> ServeAnswers {
        var out = ServeAnswers()
        func say(_ ticket: UInt64, _ status: Int, _ body: String) { out.answers.append(.init(ticket: ticket, status: status, body: Array(body.utf8))) }
        var keys: [String: APIKeyRow] = [:]
        var storeUp = true
        do {
            let db = try sql.sql()
            for hash in Set(jobs.compactMap(\.keyHash)) { keys[hash] = try APIKeys.lookup(db, hash: hash) }
        } catch { storeUp = false }
        var posts: [(ticket: UInt64, post: EventPost, keyID: String)] = []
        for job in jobs {
            if let scope = job.work.scope {
                guard storeUp else { say(job.ticket, 503, Self.storeDown); continue }
                // Missing, unknown and revoked keys get the same answer: nothing says which.
                guard let hash = job.keyHash, let key = keys[hash], key.revokedAt_ms == nil else { say(job.ticket, 401, Self.unauthorized); continue }
                guard key.scopes.contains(scope) else { say(job.ticket, 403, ServeRoutes.message("this key lacks the scope \(scope.rawValue)")); continue }
                if case .postEvent(let p) = job.work {
                    posts.append((job.ticket, p, key.id))
                    continue
                }
            }
            let (status, body) = run(job.work)
            say(job.ticket, status, body)
        }
        if !posts.isEmpty { events(posts, into: &out) }
        return out
    }

    private func run(_ work: ServeWork) -> (Int, String) {
        do {
            switch work {
            case .refuse(let status, let body): return (status, body)
            case .postEvent: return (500, ServeRoutes.message("internal: an event outside its group"))
            case .getEvent(let id):
                return try ServeEventView.json(try sql.sql(), id: id, plan: plan).map { (200, $0) } ?? (404, ServeRoutes.message("no event \(id)"))
            case .putClient(let id, let json):
                let c = try store.applyClients([(id, json)], remove: [], now_ms: wall_ms())
                let result = c.created > 0 ? "created" : c.updated > 0 ? "updated" : "unchanged"
                return (c.created > 0 ? 201 : 200, JSONText.object([("id", JSONText.quote(id)), ("result", JSONText.quote(result))]))
            case .getClient(let id):
                guard let json = try store.clientDefinition(id: id) else { return (404, ServeRoutes.message(ClientsSetup.unknown(id, store: store))) }
                return (200, json)
            case .deleteClient(let id):
                return try store.removeClient(id: id) ? (204, "") : (404, ServeRoutes.message(ClientsSetup.unknown(id, store: store)))
            case .listClients(let after, let limit):
                let rows = try sql.sql().rows("SELECT id, definition FROM clients WHERE id > $1 ORDER BY id LIMIT $2",
                                              [.text(after ?? ""), .int(Int64(limit + 1))])
                let page = rows.prefix(limit)
                let next = rows.count > limit ? page.last?[0].map(JSONText.quote) ?? "null" : "null"
                return (200, JSONText.object([("clients", "[" + page.map { $0[1] ?? "null" }.joined(separator: ",") + "]"), ("next", next)]))
            case .stats:
                var counts = try store.channelCounts(assignment: .random)
                var population = "channels assigned at random only"
                if counts.isEmpty {
                    counts = try store.channelCounts(assignment: nil)
                    population = "all notifications (channels chosen by recipients: this compares recipients as much as channels)"
                }
                return (200, EngagementReport(counts: counts, population: population).json)
            case .ready:
                let db = try sql.sql()
                let (query, latest) = db.isPostgres ? ("SELECT max(version) FROM rcom_schema_version", PostgresSchema.latestVersion)
                    : ("PRAGMA user_version", StoreSchema.latestVersion)
                let found = Int(try db.rows(query, []).first?[0] ?? "") ?? 0
                let body = JSONText.object([("ready", found == latest ? "true" : "false"), ("schema", String(found)), ("expected", String(latest))])
                return (found == latest ? 200 : 503, body)
            }
        } catch {
            return (503, Self.storeDown)
        }
    }

    /// The plan `NotifyDue.carryOut` would make for the event now (for `GET /v1/events/ID`).
    private func plan(client id: String, event: String) -> RoutePlan? {
        guard case .success(let client?) = definitions.load(store, id: id),
              let suppressed = try? NotifyCommand.suppressionAnswers(client, store) else { return nil }
        let p = RoutingStage.plan(.init(client: client, event: event, urgent: true, now_ms: wall_ms(), suppressed: suppressed))
        return p.status == .deliver ? p : nil
    }

    /// Routes every event of the round and inserts them all in one transaction.
    private func events(_ posts: [(ticket: UInt64, post: EventPost, keyID: String)], into out: inout ServeAnswers) {
        let now = wall_ms()
        var clients: [String: ClientDefinition?] = [:]
        var records: [EventRecord] = []
        var waiting: [(ticket: UInt64, record: Int)] = []
        for (ticket, p, keyID) in posts {
            let client: ClientDefinition?
            if let c = clients[p.client] { client = c } else {
                switch definitions.load(store, id: p.client) {
                case .failure:
                    out.answers.append(.init(ticket: ticket, status: 503, body: Array(Self.storeDown.utf8)))
                    continue
                case .success(let c): client = c
                }
                clients[p.client] = client
            }
            guard let client else {
                out.answers.append(.init(ticket: ticket, status: 404, body: Array(ServeRoutes.message(ClientsSetup.unknown(p.client, store: store)).utf8)))
                continue
            }
            guard let suppressed = try? NotifyCommand.suppressionAnswers(client, store) else {
                out.answers.append(.init(ticket: ticket, status: 503, body: Array(Self.storeDown.utf8)))
                continue
            }
            let plan = RoutingStage.plan(.init(client: client, event: p.event, urgent: p.urgent, now_ms: now, suppressed: suppressed))
            let status: String = switch plan.status { case .deliver: "routed"; case .held: "held"; case .muted: "muted"; case .unrouted: "unrouted" }
            // A routed event is due at once: the due runner claims it under a lease, so one
            // accepted and never carried out (a crash) is carried out after the lease.
            records.append(EventRecord(id: "e" + entropy.hexToken(bits: 64), clientID: client.id, eventType: p.event, message: p.message,
                                       urgent: p.urgent, key: p.idempotencyKey.map { keyID + ":" + $0 }, status: status, reason: plan.reason,
                                       rule: plan.rule?.event.description, mode: plan.mode?.rawValue, experiment: plan.experiment,
                                       heldUntil_ms: plan.status == .deliver ? now : plan.heldUntil_ms, createdAt_ms: now,
                                       apiKeyID: keyID))
            waiting.append((ticket, records.count - 1))
        }
        guard !records.isEmpty else { return }
        let started = MonotonicClock.now_ns()
        let inserted: [EventInsert]
        do { inserted = try store.insertEvents(records) } catch {
            for w in waiting { out.answers.append(.init(ticket: w.ticket, status: 503, body: Array(Self.storeDown.utf8))) }
            return
        }
        out.commit_ns = MonotonicClock.now_ns() - started
        for w in waiting {
            // A used key gets the first answer again, byte for byte: the same id, nothing new,
            // whichever client the second request names (the key is the API key's, schema 11).
            let id: String
            switch inserted[w.record] {
            case .inserted:
                id = records[w.record].id
                out.accepted += 1
            case .duplicate(let first, _): id = first
            case .conflict:
                out.answers.append(.init(ticket: w.ticket, status: 409, body: Array(ServeRoutes.message("this Idempotency-Key is taken by an event not posted through the API; use another").utf8)))
                continue
            }
            out.answers.append(.init(ticket: w.ticket, status: 202, body: Array(Self.acceptedBody(id).utf8)))
        }
        if records.contains(where: { $0.status == "routed" }) { committed() }
    }
}
