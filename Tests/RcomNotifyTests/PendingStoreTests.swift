import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// The store's side of deferred email: pending rounds, the claim `--retry-pending` makes,
/// attempt numbers across rounds, and the suppression an undeliverable address gets.
final class PendingStoreTests: XCTestCase {
    var now_ms: Int64 = 1_800_000_000_000

    func makeStore() throws -> SQLiteNotificationStore {
        let db = try SQLiteDatabase(path: makeTemporaryDirectory() + "/db.sqlite")
        return try SQLiteNotificationStore(database: db, writesPerCommit: 1) { [unowned self] in self.now_ms }
    }

    func notification(_ id: String, to target: String = "bob@example.com") -> RcomNotify.Notification {
        RcomNotify.Notification(id: id, channel: "email", target: target, message: "hi", trackingURL: "", createdAt_ms: now_ms)
    }

    func attempt(_ n: RcomNotify.Notification, _ number: Int, _ result: DeliveryResult) -> AttemptRecord {
        AttemptRecord(notificationID: n.id, channel: "email", attempt: number, result: result, started_ns: 0, duration_ns: 0)
    }

    func testOnlyDueOnesAreClaimedAndAClaimHoldsThemForItsLease() throws {
        let store = try makeStore()
        let due = notification("n0000000000000001"), later = notification("n0000000000000002")
        let temporary = DeliveryResult.transient("451 4.3.0 later", retryAfter_ms: nil)
        for (n, next) in [(due, now_ms + 1_000), (later, now_ms + 600_000)] {
            try store.insert(n, assignment: .chosen, suppressed: false)
            try store.finish(DeliveryOutcome(notification: n, delivered: false, result: temporary, attempts: 2, nextAttempt_ms: next))
        }
        XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000), [])
        now_ms += 1_000
        let claimed = try store.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000)
        XCTAssertEqual(claimed.map(\.id), [due.id])
        XCTAssertEqual(claimed.first?.deferrals, 1)
        // A second run meanwhile finds it taken; after the lease (a run that died) it is due again.
        XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000), [])
        XCTAssertEqual(try store.claimPending(now_ms: now_ms + 60_000, includeNotDue: false, limit: 10, lease_ms: 60_000).map(\.id), [due.id])
        // --all-pending takes the rest whatever their time.
        XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: true, limit: 10, lease_ms: 60_000).map(\.id).sorted(),
                       [due.id, later.id])
    }

    func testAttemptNumbersGoOnAcrossRounds() throws {
        let store = try makeStore()
        let n = notification("n0000000000000003")
        let temporary = DeliveryResult.transient("451 later", retryAfter_ms: nil)
        try store.insert(n, assignment: .chosen, suppressed: false)
        try store.record(attempt(n, 1, temporary))
        try store.record(attempt(n, 2, temporary))
        try store.finish(DeliveryOutcome(notification: n, delivered: false, result: temporary, attempts: 2, nextAttempt_ms: now_ms + 1))
        // The second round numbers its own attempts from 1 again.
        try store.record(attempt(n, 1, .delivered(providerID: "Q1")))
        try store.finish(DeliveryOutcome(notification: n, delivered: true, result: .delivered(providerID: "Q1"), attempts: 1))
        try store.flush()
        let db = store.database
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM delivery_attempts WHERE notification_id = '\(n.id)'"), 3)
        XCTAssertEqual(try db.scalarInt("SELECT max(attempt) FROM delivery_attempts"), 3)
        XCTAssertEqual(try db.scalarInt("SELECT attempts FROM notifications WHERE outcome = 'delivered' AND next_attempt_at_ms IS NULL AND deferrals = 1"), 3)
    }

    func testAnUndeliverableAddressIsSuppressedOnceWithItsReason() throws {
        let store = try makeStore()
        let n = notification("n0000000000000004", to: "Gone@Example.com")
        try store.insert(n, assignment: .chosen, suppressed: false)
        let refusal = DeliveryResult.undeliverable("550 5.1.1 no such user")
        try store.finish(DeliveryOutcome(notification: n, delivered: false, result: refusal, attempts: 1))
        XCTAssertTrue(try store.isSuppressed(emailKey: EmailAddress.suppressionKey("gone@example.com")))
        let suppressions = try SQLiteSuppressionStore(database: store.database)
        XCTAssertEqual(try suppressions.suppression(email: "gone@example.com"),
                       Suppression(email: "gone@example.com", reason: "hard bounce: 550 5.1.1 no such user", suppressedAt_s: now_ms / 1000))
        // A later refusal does not rewrite the first reason or time.
        now_ms += 5_000
        XCTAssertFalse(try suppressions.suppress(email: "gone@example.com", reason: "hard bounce: other", suppressedAt_s: now_ms / 1000))
        XCTAssertEqual(try suppressions.suppression(email: "gone@example.com")?.reason, "hard bounce: 550 5.1.1 no such user")
        XCTAssertEqual(try store.database.scalarInt("SELECT count(*) FROM notifications WHERE outcome = 'failed'"), 1)
    }
}
