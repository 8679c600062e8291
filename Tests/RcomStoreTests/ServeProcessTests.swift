import Foundation
import XCTest
import RcomStore

/// `rcom serve` end to end on each backend: the real binary, real sockets, the provider
/// simulator as a child process, every endpoint and error status, keys and scopes.
final class ServeProcessTests: XCTestCase {
    static let clientJSON = #"{"id": "acme", "timezone": "UTC", "contacts": {"slack": ["c1/ops"], "sms": ["+15059045845"]}, "rules": [{"event": "db.*", "channels": ["slack", "sms"], "mode": "fallback"}, {"event": "incident.*", "channels": ["slack", "sms"], "mode": "escalate", "after": "2s"}]}"#

    func key(_ f: ServeFixture, _ name: String, _ scope: String) throws -> String {
        let r = try f.rcom(["serve", "keys", "create", name, "--scope", scope])
        XCTAssertEqual(r.status, 0)
        let key = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(key.hasPrefix("rk_") && key.count == 67, key)
        return key
    }

    func testEveryEndpointItsErrorsAndTheKeys() throws {
        try onEachBackend { b in
            let f = try ServeFixture(b)
            let full = try key(f, "ops", "events:write,clients:write,read")
            let reader = try key(f, "dash", "read")
            let revoked = try key(f, "old", "events:write,read")
            XCTAssertEqual(try f.rcom(["serve", "keys", "revoke", "old"]).status, 0)
            XCTAssertEqual(try b.int("SELECT count(*) FROM api_keys WHERE hash LIKE 'rk_%'"), 0, "only hashes are stored")
            let list = try f.rcom(["serve", "keys", "list"])
            XCTAssertFalse(list.stdout.contains(full), "list never shows a key")
            let s = try f.serve()
            let v1 = s.url + "/v1"

            // Clients: created, unchanged, refused with JSON paths, read, paged, removed.
            XCTAssertEqual(try f.http("PUT", v1 + "/clients/acme", key: full, body: Self.clientJSON).status, 201)
            XCTAssertEqual(try f.http("PUT", v1 + "/clients/acme", key: full, body: Self.clientJSON).json["result"] as? String, "unchanged")
            let bad = try f.http("PUT", v1 + "/clients/bad", key: full, body: #"{"id": "bad", "timezone": "Mars/Base", "contacts": {"pigeon": ["x"]}}"#)
            XCTAssertEqual(bad.status, 422)
            let paths = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            XCTAssertTrue(paths.contains("$.timezone") && paths.contains("$.contacts.pigeon"), "\(paths)")
            XCTAssertEqual(try f.http("PUT", v1 + "/clients/other", key: full, body: Self.clientJSON).status, 422, "id differs from the URL")
            XCTAssertEqual(try f.http("PUT", v1 + "/clients/zeta", key: full, body: Self.clientJSON.replacingOccurrences(of: "\"acme\"", with: "\"zeta\"")).status, 201)
            XCTAssertEqual(try f.http("GET", v1 + "/clients/acme", key: reader).json["timezone"] as? String, "UTC")
            XCTAssertEqual(try f.http("GET", v1 + "/clients/acmee", key: reader).status, 404)
            let page = try f.http("GET", v1 + "/clients?limit=1", key: reader)
            XCTAssertEqual(page.json["next"] as? String, "acme")
            let page2 = try f.http("GET", v1 + "/clients?limit=1&after=acme", key: reader)
            XCTAssertEqual((page2.json["clients"] as? [[String: Any]])?.first?["id"] as? String, "zeta")
            XCTAssertTrue(page2.json["next"] is NSNull, page2.text)
            XCTAssertEqual(try f.http("GET", v1 + "/clients?limit=0", key: reader).status, 422)
            XCTAssertEqual(try f.http("DELETE", v1 + "/clients/zeta", key: full).status, 204)
            XCTAssertEqual(try f.http("DELETE", v1 + "/clients/zeta", key: full).status, 404)

            // Auth: missing, wrong and revoked keys read the same; a key without the scope is 403.
            let event = #"{"client": "acme", "event": "db.disk_high", "message": "disk 91%"}"#
            let wrong = "rk_" + String(repeating: "0", count: 64)
            var unauthorized: [String] = []
            for k in [nil, wrong, revoked, "not-a-key"] {
                let r = try f.http("POST", v1 + "/events", key: k, body: event)
                XCTAssertEqual(r.status, 401)
                XCTAssertEqual(r.headers["www-authenticate"], "Bearer")
                unauthorized.append(r.text)
            }
            XCTAssertEqual(Set(unauthorized).count, 1, "no hint of which: \(unauthorized)")
            XCTAssertEqual(try f.http("POST", v1 + "/events", key: reader, body: event).status, 403)
            XCTAssertEqual(try f.http("PUT", v1 + "/clients/acme", key: reader, body: Self.clientJSON).status, 403)

            // Events: validated strictly, 202 once committed, then delivered in-process.
            let unknown = try f.http("POST", v1 + "/events", key: full, body: #"{"client": "acme", "event": "db.x", "message": "m", "priority": 1}"#)
            XCTAssertEqual(unknown.status, 422)
            XCTAssertTrue(unknown.text.contains("$.priority"), unknown.text)
            XCTAssertEqual(try f.http("POST", v1 + "/events", key: full, body: #"{"client": "acme", "event": "db.x"}"#).status, 422, "no message")
            XCTAssertEqual(try f.http("POST", v1 + "/events", key: full, body: #"{"client": "acme", "event": "db.x", "message": "m",}"#).status, 400)
            let big = #"{"client": "acme", "event": "db.x", "message": ""# + String(repeating: "x", count: 70_000) + #""}"#
            XCTAssertEqual(try f.http("POST", v1 + "/events", key: full, body: big).status, 413)
            let nobody = try f.http("POST", v1 + "/events", key: full, body: #"{"client": "acmee", "event": "db.x", "message": "m"}"#)
            XCTAssertEqual(nobody.status, 404)
            XCTAssertTrue(nobody.text.contains("nearest: acme"), nobody.text)
            let accepted = try f.http("POST", v1 + "/events", key: full, body: event)
            XCTAssertEqual(accepted.status, 202, accepted.text)
            let id = try XCTUnwrap(accepted.json["id"] as? String)
            XCTAssertEqual(accepted.json["status"] as? String, "/v1/events/\(id)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM events WHERE id = '\(id)'"), 1, "committed before the answer")
            var view = ServeFixture.Response(status: 0, headers: [:], body: Data())
            XCTAssertTrue(try waitUntil(within: 15) {
                view = try f.http("GET", v1 + "/events/\(id)", key: reader)
                return view.json["state"] as? String == "delivered"
            }, view.text)
            let delivery = (view.json["deliveries"] as? [[String: Any]])?.first
            XCTAssertEqual(delivery?["channel"] as? String, "slack")
            XCTAssertEqual(delivery?["state"] as? String, "sent")
            XCTAssertEqual((view.json["plan"] as? [String: Any])?["mode"] as? String, "fallback")
            XCTAssertEqual(try f.accepted("slack"), 1)
            XCTAssertEqual(try f.http("GET", v1 + "/events/e0000000000000000", key: reader).status, 404)

            // Routes, the operator's endpoints, stats.
            XCTAssertEqual(try f.http("PATCH", v1 + "/events", key: full).status, 405)
            XCTAssertEqual(try f.http("GET", v1 + "/nothing", key: full).status, 404)
            XCTAssertEqual(try f.http("GET", s.url + "/healthz").status, 200)
            let ready = try f.http("GET", s.url + "/readyz")
            XCTAssertEqual(ready.status, 200, ready.text)
            XCTAssertEqual(ready.json["schema"] as? Int, 11)
            XCTAssertEqual(try f.http("GET", v1 + "/stats", key: reader).status, 200)
            let metrics = try f.http("GET", s.url + "/metrics").text
            XCTAssertTrue(metrics.contains("rcom_serve_events_accepted_total 1"), metrics)
            XCTAssertTrue(metrics.contains(#"rcom_serve_deliveries_total{channel="slack",outcome="delivered"} 1"#), metrics)
            XCTAssertTrue(metrics.contains(#"rcom_serve_responses_total{status="401"} 4"#), metrics)
            XCTAssertTrue(metrics.contains("rcom_serve_store_commit_seconds_count 1"), metrics)
            kill(s.process.processIdentifier, SIGTERM)
            s.process.waitUntilExit()
            XCTAssertEqual(s.process.terminationStatus, 0, s.stderr)
            f.stopAll()
        }
    }

    func testOneIdempotencyKeyTwiceAtOnceMakesOneEvent() throws {
        try onEachBackend { b in
            let f = try ServeFixture(b)
            let k = try key(f, "ops", "events:write,clients:write,read")
            let s = try f.serve()
            XCTAssertEqual(try f.http("PUT", s.url + "/v1/clients/acme", key: k, body: Self.clientJSON).status, 201)
            for round in 0..<5 {
                let answers = Locked2<[String]>([])
                DispatchQueue.concurrentPerform(iterations: 2) { _ in
                    let r = try? ServeFixture.http("POST", s.url + "/v1/events", key: k, headers: ["Idempotency-Key": "order-\(round)"],
                                                   body: Data(#"{"client": "acme", "event": "db.disk_high", "message": "once"}"#.utf8))
                    answers.mutate { $0.append("\(r?.status ?? 0) \(r?.text ?? "")") }
                }
                XCTAssertEqual(Set(answers.value).count, 1, "the same first answer twice: \(answers.value)")
                XCTAssertTrue(answers.value[0].hasPrefix("202 "), answers.value[0])
            }
            XCTAssertEqual(try b.int("SELECT count(*) FROM events"), 5)
            XCTAssertTrue(try waitUntil(within: 15) { try b.int("SELECT count(*) FROM events WHERE status = 'delivered'") == 5 })
            XCTAssertEqual(try f.accepted("slack"), 5, "one delivery per key")
            f.stopAll()
        }
    }

    /// An Idempotency-Key belongs to the API key (schema 11): the same key names one event
    /// whichever client the second request names; another API key's same key is its own.
    func testAnIdempotencyKeyIsTheAPIKeysAcrossClients() throws {
        try onEachBackend { b in
            let f = try ServeFixture(b)
            let k1 = try key(f, "ops", "events:write,clients:write,read")
            let k2 = try key(f, "billing", "events:write,read")
            let s = try f.serve()
            XCTAssertEqual(try f.http("PUT", s.url + "/v1/clients/acme", key: k1, body: Self.clientJSON).status, 201)
            XCTAssertEqual(try f.http("PUT", s.url + "/v1/clients/zeta", key: k1, body: Self.clientJSON.replacingOccurrences(of: "\"acme\"", with: "\"zeta\"")).status, 201)
            func post(_ k: String, _ client: String) throws -> ServeFixture.Response {
                try f.http("POST", s.url + "/v1/events", key: k, headers: ["Idempotency-Key": "order-7"],
                           body: #"{"client": "\#(client)", "event": "db.x", "message": "once"}"#)
            }
            let first = try post(k1, "acme")
            XCTAssertEqual(first.status, 202, first.text)
            let again = try post(k1, "zeta")
            XCTAssertEqual(again.status, 202)
            XCTAssertEqual(again.text, first.text, "the first answer, byte for byte, for another client too")
            let other = try post(k2, "acme")
            XCTAssertEqual(other.status, 202)
            XCTAssertNotEqual(other.json["id"] as? String, first.json["id"] as? String, "another API key's key is its own")
            XCTAssertEqual(try b.int("SELECT count(*) FROM events"), 2)
            XCTAssertEqual(try b.int("SELECT count(*) FROM events WHERE client_id = 'zeta'"), 0)
            // rcom notify's --key stays per client: the same text as the API's is no clash.
            XCTAssertEqual(try f.rcom(["notify", "acme", "db.x", "-m", "cli", "--key", "order-7"]).status, 0)
            XCTAssertEqual(try b.int("SELECT count(*) FROM events"), 3)
            f.stopAll()
        }
    }

    func testHeldAndEscalatingEventsFireInProcess() throws {
        try onEachBackend { b in
            let f = try ServeFixture(b)
            let k = try key(f, "ops", "events:write,clients:write,read")
            let s = try f.serve()
            // Quiet hours around now, so that a non-urgent event is held.
            let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
            let quiet = Self.clientJSON.replacingOccurrences(of: #""timezone": "UTC","#, with: #""timezone": "UTC", "quiet_hours": {"from": "\#(String(format: "%02d:00", (hour + 23) % 24))", "to": "\#(String(format: "%02d:00", (hour + 2) % 24))"},"#)
            XCTAssertEqual(try f.http("PUT", s.url + "/v1/clients/acme", key: k, body: quiet).status, 201)
            let held = try XCTUnwrap(try f.http("POST", s.url + "/v1/events", key: k, body: #"{"client": "acme", "event": "db.x", "message": "later"}"#).json["id"] as? String)
            let view = try f.http("GET", s.url + "/v1/events/\(held)", key: k)
            XCTAssertEqual(view.json["state"] as? String, "held", view.text)
            let heldPlan = try XCTUnwrap(view.json["plan"] as? [String: Any])
            let dueAt = try XCTUnwrap(heldPlan["due_at"] as? String)
            // Steps not yet run, with their targets: both channels of the fallback rule, due at the release.
            let pending = heldPlan["pending"] as? [[String: Any]] ?? []
            XCTAssertEqual(pending.map { $0["channel"] as? String }, ["slack", "sms"], view.text)
            XCTAssertEqual(pending.map { $0["targets"] as? [String] }, [["c1/ops"], ["+15059045845"]], view.text)
            XCTAssertEqual(pending.first?["due_at"] as? String, dueAt)
            // Its quiet hours end (the due time moved to now): the running service sends it.
            try b.execute("UPDATE events SET due_at_ms = 1 WHERE id = '\(held)'")
            XCTAssertTrue(try waitUntil(within: 15) { try b.rows("SELECT status FROM events WHERE id = '\(held)'") == ["delivered"] })
            // An urgent escalation: slack now, sms 2 s later, unacknowledged.
            let esc = try XCTUnwrap(try f.http("POST", s.url + "/v1/events", key: k, body: #"{"client": "acme", "event": "incident.down", "message": "api down", "urgent": true}"#).json["id"] as? String)
            XCTAssertTrue(try waitUntil(within: 15) { try b.rows("SELECT status FROM events WHERE id = '\(esc)'") == ["escalating"] })
            XCTAssertEqual(try f.accepted("sms"), 0)
            let escView = try f.http("GET", s.url + "/v1/events/\(esc)", key: k)
            let escPlan = try XCTUnwrap(escView.json["plan"] as? [String: Any])
            let next = (escPlan["pending"] as? [[String: Any]] ?? []).first
            XCTAssertEqual(next?["step"] as? Int, 1, escView.text)
            XCTAssertEqual(next?["targets"] as? [String], ["+15059045845"], escView.text)
            XCTAssertEqual(next?["due_at"] as? String, escPlan["due_at"] as? String, "the next step is due when the plan says")
            XCTAssertEqual((escView.json["deliveries"] as? [[String: Any]])?.map { $0["channel"] as? String }, ["slack"], "the sent step is a delivery")
            XCTAssertTrue(try waitUntil(within: 20) { try b.rows("SELECT status FROM events WHERE id = '\(esc)'") == ["delivered"] })
            XCTAssertEqual(try f.accepted("sms"), 1)
            XCTAssertEqual(try b.rows("SELECT n.channel FROM event_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.event_id = '\(esc)' ORDER BY d.step"), ["slack", "sms"])
            f.stopAll()
        }
    }

    func testATraceOfRequestsAndDeliveriesReplaysIdentically() throws {
        let b = try BackendUnderTest(.sqlite)
        let f = try ServeFixture(b)
        let k = try key(f, "ops", "events:write,clients:write,read")
        let trace = b.path("serve.jsonl")
        let s = try f.serve(["--record", trace])
        XCTAssertEqual(try f.http("PUT", s.url + "/v1/clients/acme", key: k, body: Self.clientJSON).status, 201)
        XCTAssertEqual(try f.http("POST", s.url + "/v1/events", key: k, body: #"{"client": "acme", "event": "db.x", "message": "m"}"#).status, 202)
        XCTAssertEqual(try f.http("GET", s.url + "/v1/clients").status, 401)
        XCTAssertTrue(try waitUntil(within: 15) { try f.http("GET", s.url + "/metrics").text.contains("rcom_serve_deliveries_total{") })
        kill(s.process.processIdentifier, SIGTERM)
        s.process.waitUntilExit()
        let replay = try f.rcom(["replay", trace], db: false)
        XCTAssertEqual(replay.status, 0, replay.stdout)
        XCTAssertTrue(replay.stdout.hasPrefix("identical:"), replay.stdout)
        f.stopAll()
    }

    /// `--sync full` (fsync per group commit on SQLite) still answers 202 once committed; a
    /// word other than normal or full is a usage error before anything starts.
    func testSyncFullCommitsAndAnUnknownSyncIsAUsageError() throws {
        let b = try BackendUnderTest(.sqlite)
        let f = try ServeFixture(b)
        let k = try key(f, "ops", "events:write,clients:write,read")
        XCTAssertEqual(try f.rcom(["serve", "--listen", "127.0.0.1:0", "--sync", "sometimes"]).status, 2)
        let s = try f.serve(["--sync", "full"])
        XCTAssertEqual(try f.http("PUT", s.url + "/v1/clients/acme", key: k, body: Self.clientJSON).status, 201)
        let r = try f.http("POST", s.url + "/v1/events", key: k, body: #"{"client": "acme", "event": "db.x", "message": "m"}"#)
        XCTAssertEqual(r.status, 202, r.text)
        XCTAssertEqual(try b.int("SELECT count(*) FROM events"), 1)
        f.stopAll()
    }

    func testTheTokenBucketAnswers429WithRetryAfter() throws {
        try onEachBackend { b in
            let f = try ServeFixture(b)
            let k = try key(f, "ops", "read")
            let s = try f.serve(["--rate", "1/m", "--burst", "2"])
            let statuses = try (0..<3).map { _ in try f.http("GET", s.url + "/v1/clients", key: k) }
            XCTAssertEqual(statuses.map(\.status), [200, 200, 429])
            XCTAssertEqual(statuses[2].headers["retry-after"], "60")
            f.stopAll()
        }
    }
}

/// A value shared by the threads of one test.
final class Locked2<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
