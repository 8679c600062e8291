import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// The `ClientStore` contract on both backends (`onEachBackend`): applying is one transaction
/// that counts what it changed, a second apply of the same file changes nothing, events are
/// idempotent per (client, key) across connections, and an event's deliveries are recorded with it.
final class ClientStoreContractTests: XCTestCase {
    func testApplyUpsertsAndRemovesInOneTransactionAndCountsWhatChanged() throws {
        try onEachBackend { b in
            let store = try openNotificationStore(b.location) as! ClientStore
            var counts = try store.applyClients([("a", "{\"id\":\"a\"}"), ("b", "{\"id\":\"b\"}")], remove: [], now_ms: 1)
            XCTAssertEqual([counts.created, counts.updated, counts.unchanged, counts.removed], [2, 0, 0, 0], "\(b.kind)")
            counts = try store.applyClients([("a", "{\"id\":\"a\"}"), ("b", "{\"id\":\"b\",\"name\":\"B\"}")], remove: ["zz"], now_ms: 2)
            XCTAssertEqual([counts.created, counts.updated, counts.unchanged, counts.removed], [0, 1, 1, 0], "\(b.kind)")
            counts = try store.applyClients([("c", "{\"id\":\"c\"}")], remove: ["a"], now_ms: 3)
            XCTAssertEqual([counts.created, counts.removed], [1, 1])
            XCTAssertEqual(try store.clientDefinitions().map(\.id), ["b", "c"])
            XCTAssertEqual(try store.clientDefinition(id: "b"), "{\"id\":\"b\",\"name\":\"B\"}")
            XCTAssertNil(try store.clientDefinition(id: "a"))
            XCTAssertTrue(try store.removeClient(id: "c"))
            XCTAssertFalse(try store.removeClient(id: "c"))
            XCTAssertEqual(try b.rows("SELECT id, updated_at_ms FROM clients ORDER BY id"), ["b|2"], "\(b.kind)")
        }
    }

    func testAFailedApplyLeavesTheClientsAsTheyWere() throws {
        try onEachBackend { b in
            let store = try openNotificationStore(b.location) as! ClientStore
            _ = try store.applyClients([("a", "{}")], remove: [], now_ms: 1)
            // The same id twice in one apply breaks the primary key on the second insert: the
            // first insert and the removal are rolled back with it.
            XCTAssertThrowsError(try store.applyClients([("n", "{}"), ("n", "{1}")], remove: ["a"], now_ms: 2))
            XCTAssertEqual(try store.clientDefinitions().map(\.id), ["a"], "\(b.kind)")
        }
    }

    func testAnEventKeyIsIdempotentPerClientAcrossConnections() throws {
        try onEachBackend { b in
            let one = try openNotificationStore(b.location) as! ClientStore
            let two = try openNotificationStore(b.location) as! ClientStore
            func event(_ id: String, client: String = "acme", key: String?) -> EventRecord {
                EventRecord(id: id, clientID: client, eventType: "db.x", message: "m", urgent: false, key: key,
                            status: "routed", rule: "db.*", mode: "fallback", createdAt_ms: 5)
            }
            XCTAssertEqual(try one.insertEvent(event("e1", key: "k")), .inserted)
            XCTAssertEqual(try two.insertEvent(event("e2", key: "k")), .duplicate(id: "e1", status: "routed"), "\(b.kind)")
            XCTAssertEqual(try two.insertEvent(event("e3", client: "other", key: "k")), .inserted, "keys are per client")
            XCTAssertEqual(try two.insertEvent(event("e4", key: nil)), .inserted)
            XCTAssertEqual(try one.insertEvent(event("e5", key: nil)), .inserted, "no key: never a duplicate")
            let store = one as! NotificationStore
            let n = RcomNotify.Notification(id: "n0000000000000001", channel: "sms", target: "+15551234567", message: "m",
                                            trackingURL: "", createdAt_ms: 5)
            try store.insert(n, assignment: .chosen, suppressed: false)
            try one.finishEvent(id: "e1", status: "delivered", reason: nil, deliveries: [(step: 0, notificationID: n.id)], next: nil)
            XCTAssertEqual(try b.rows("SELECT e.status, d.step, d.notification_id FROM events e JOIN event_deliveries d ON d.event_id = e.id"),
                           ["delivered|0|n0000000000000001"], "\(b.kind)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM events"), 4)
        }
    }
}

/// `rcom notify --key` with the real binary, two processes at once, on each backend: one event,
/// one notification, and the second process says the key was used.
final class NotifyKeyProcessTests: XCTestCase {
    func testTwoProcessesWithOneKeyNotifyOnce() throws {
        try onEachBackend { b in
            let file = b.path("clients.json")
            try #"{"clients": [{"id": "acme", "timezone": "UTC", "contacts": {"slack": ["c1/ops"]}, "rules": [{"event": "*", "channels": ["slack"]}]}]}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
            XCTAssertEqual(finish(try startRcom(["clients", "apply", file, "--db", b.dbArgument])).status, 0)
            for round in 0..<3 {
                let args = ["notify", "acme", "db.x", "-m", "hi", "--urgent", "--key", "k\(round)", "--db", b.dbArgument]
                let one = try startRcom(args), two = try startRcom(args)
                let r = [finish(one), finish(two)]
                XCTAssertEqual(r.map(\.status), [0, 0], "\(b.kind): \(r)")
                XCTAssertEqual(r.filter { $0.stdout.contains("already notified under --key k\(round)") }.count, 1, "\(b.kind): \(r)")
            }
            XCTAssertEqual(try b.int("SELECT count(*) FROM events"), 3, "\(b.kind)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM notifications"), 3, "\(b.kind)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM event_deliveries"), 3, "\(b.kind)")
        }
    }
}

/// `rcom notify --run-due` with the real binary on each backend: two runs at once send every
/// due event exactly once; an acknowledged escalation stops, an unacknowledged one goes on.
final class NotifyRunDueProcessTests: XCTestCase {
    func apply(_ b: BackendUnderTest) throws {
        let file = b.path("clients.json")
        try #"""
            {"clients": [{"id": "acme", "timezone": "UTC", "quiet_hours": {"from": "00:00", "to": "06:00"},
              "contacts": {"slack": ["c1/ops"], "sms": ["+15059045845"]},
              "rules": [{"event": "db.*", "channels": ["slack"]},
                        {"event": "incident.*", "channels": ["slack", "sms"], "mode": "escalate", "after": "5m"}]}]}
            """#.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(finish(try startRcom(["clients", "apply", file, "--db", b.dbArgument])).status, 0)
    }

    func testTwoRunsAtOnceSendEveryDueEventOnce() throws {
        try onEachBackend { b in
            try apply(b)
            let events = 24
            for i in 0..<events {
                let r = finish(try startRcom(["notify", "acme", "db.e\(i)", "-m", "m\(i)", "--at", "2026-03-28T01:00:00Z", "--db", b.dbArgument]))
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            XCTAssertEqual(try b.int("SELECT count(*) FROM events WHERE status = 'held'"), events)
            // Before the quiet hours end: nothing is due.
            let early = finish(try startRcom(["notify", "--run-due", "--at", "2026-03-28T05:59:00Z", "--db", b.dbArgument]))
            XCTAssertTrue(early.stdout.contains("run-due: 0 due steps"), early.stdout)
            let args = ["notify", "--run-due", "--at", "2026-03-28T06:00:00Z", "--db", b.dbArgument]
            let one = try startRcom(args), two = try startRcom(args)
            let r = [finish(one), finish(two)]
            XCTAssertEqual(r.map(\.status), [0, 0], "\(b.kind): \(r)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM events WHERE status = 'delivered'"), events, "\(b.kind)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM notifications"), events, "\(b.kind): each sent once")
            XCTAssertEqual(try b.int("SELECT count(DISTINCT event_id) FROM event_deliveries"), events)
            XCTAssertEqual(r.map { $0.stdout.components(separatedBy: " delivered ok").count - 1 }.reduce(0, +), events, "\(r)")
        }
    }

    func testAnAcknowledgedEscalationStopsAndAnotherGoesOn() throws {
        try onEachBackend { b in
            try apply(b)
            for key in ["acked", "silent"] {
                let r = finish(try startRcom(["notify", "acme", "incident.down", "-m", key, "--key", key, "--at", "2026-03-28T12:00:00Z", "--db", b.dbArgument]))
                XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
                XCTAssertTrue(r.stdout.contains("escalating: sms at 2026-03-28T12:05:00.000Z"), r.stdout)
            }
            let first = try b.rows("SELECT d.notification_id FROM event_deliveries d JOIN events e ON e.id = d.event_id WHERE e.idempotency_key = 'acked'")
            let store = try openNotificationStore(b.location)
            XCTAssertEqual(try store.recordClick(notificationID: try XCTUnwrap(first.first), kind: .ack), .first)
            let due = finish(try startRcom(["notify", "--run-due", "--at", "2026-03-28T12:05:00Z", "--db", b.dbArgument]))
            XCTAssertEqual(due.status, 0, due.stderr)
            XCTAssertEqual(try b.rows("SELECT idempotency_key, status, next_step FROM events ORDER BY idempotency_key"),
                           ["acked|acknowledged|0", "silent|delivered|0"], "\(b.kind): \(due.stdout)")
            XCTAssertEqual(try b.rows("SELECT n.channel FROM notifications n JOIN event_deliveries d ON d.notification_id = n.id JOIN events e ON e.id = d.event_id WHERE e.idempotency_key = 'silent' ORDER BY d.step"),
                           ["slack", "sms"])
        }
    }
}
