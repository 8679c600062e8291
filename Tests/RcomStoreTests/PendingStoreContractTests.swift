import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// The store's side of deferred email, one suite for both backends (`onEachBackend`): pending
/// rounds, the claim `--retry-pending` makes, attempt numbers across rounds, and the suppression
/// an undeliverable address gets.
final class PendingStoreContractTests: XCTestCase {
    var now_ms: Int64 = 1_800_000_000_000

    /// A store on `b` whose clock is `now_ms`, committing every write at once (so that the SQL
    /// read-backs below see it).
    func makeStore(_ b: BackendUnderTest) throws -> any NotificationStore {
        switch b.location {
        case .sqlite(let path):
            return try SQLiteNotificationStore(database: SQLiteDatabase(path: path), writesPerCommit: 1) { [unowned self] in self.now_ms }
        case .postgres(let url):
            return try PostgresNotificationStore(connection: PostgresConnection(url: url), writesPerCommit: 1) { [unowned self] in self.now_ms }
        }
    }

    func notification(_ id: String, to target: String = "bob@example.com") -> RcomNotify.Notification {
        RcomNotify.Notification(id: id, channel: "email", target: target, message: "hi", trackingURL: "", createdAt_ms: now_ms)
    }

    func attempt(_ n: RcomNotify.Notification, _ number: Int, _ result: DeliveryResult) -> AttemptRecord {
        AttemptRecord(notificationID: n.id, channel: "email", attempt: number, result: result, started_ns: 0, duration_ns: 0)
    }

    /// Inserts `n` and ends its first round pending until `next`.
    func defer_(_ n: RcomNotify.Notification, until next: Int64, in store: any NotificationStore) throws {
        try store.insert(n, assignment: .chosen, suppressed: false)
        try store.finish(DeliveryOutcome(notification: n, delivered: false, result: .transient("451 4.3.0 later", retryAfter_ms: nil),
                                         attempts: 2, nextAttempt_ms: next))
    }

    func testOnlyDueOnesAreClaimedAndAClaimHoldsThemForItsLease() throws {
        try onEachBackend { b in
            now_ms = 1_800_000_000_000
            let store = try makeStore(b)
            // The later one's id sorts first: claims go by due time, not by id.
            let due = notification("n0000000000000002"), later = notification("n0000000000000001")
            try defer_(due, until: now_ms + 1_000, in: store)
            try defer_(later, until: now_ms + 600_000, in: store)
            XCTAssertEqual(try b.rows("SELECT id, outcome, finished_at_ms, next_attempt_at_ms, deferrals, attempts FROM notifications ORDER BY id"),
                           ["\(later.id)|pending|∅|\(now_ms + 600_000)|1|2", "\(due.id)|pending|∅|\(now_ms + 1_000)|1|2"], "\(b.kind)")
            XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000), [])
            now_ms += 1_000
            let claimed = try store.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000)
            XCTAssertEqual(claimed.map(\.id), [due.id], "\(b.kind)")
            XCTAssertEqual(claimed.first?.deferrals, 1)
            XCTAssertEqual(claimed.first, PendingNotification(id: due.id, channel: "email", target: "bob@example.com", message: "hi",
                                                              createdAt_ms: due.createdAt_ms, deferrals: 1))
            // A second run meanwhile (another connection) finds it taken; after the lease (a run
            // that died) it is due again.
            let other = try makeStore(b)
            XCTAssertEqual(try other.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000), [], "\(b.kind)")
            XCTAssertEqual(try other.claimPending(now_ms: now_ms + 60_000, includeNotDue: false, limit: 10, lease_ms: 60_000).map(\.id),
                           [due.id], "\(b.kind)")
            // --all-pending takes them whatever their time, soonest due first, at most `limit`.
            XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: true, limit: 1, lease_ms: 60_000).map(\.id), [due.id])
            XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: true, limit: 10, lease_ms: 60_000).map(\.id),
                           [due.id, later.id], "\(b.kind)")
        }
    }

    /// PostgreSQL: a claim skips the rows another claim holds locked, without waiting for it
    /// (FOR UPDATE SKIP LOCKED), so overlapping runs split the due rows between them.
    func testAClaimSkipsRowsAnotherClaimHoldsOnPostgreSQL() throws {
        let b = try BackendUnderTest(.postgres)
        let store = try makeStore(b)
        let first = notification("n0000000000000005"), second = notification("n0000000000000006")
        try defer_(first, until: now_ms, in: store)
        try defer_(second, until: now_ms + 1, in: store)
        guard let url = b.postgresURL else { return XCTFail("a PostgreSQL backend has a URL") }
        let holder = try PostgresConnection(url: url)
        try holder.execute("BEGIN")
        XCTAssertEqual(try holder.query("SELECT id FROM notifications WHERE id = $1 FOR UPDATE", [first.id]).count, 1)
        XCTAssertEqual(try store.claimPending(now_ms: now_ms + 1, includeNotDue: false, limit: 10, lease_ms: 60_000).map(\.id), [second.id])
        try holder.execute("ROLLBACK")
        XCTAssertEqual(try store.claimPending(now_ms: now_ms + 1, includeNotDue: false, limit: 10, lease_ms: 60_000).map(\.id), [first.id])
        XCTAssertEqual(try b.rows("SELECT id, next_attempt_at_ms FROM notifications ORDER BY id"),
                       ["\(first.id)|\(now_ms + 60_001)", "\(second.id)|\(now_ms + 60_001)"])
    }

    func testAttemptNumbersGoOnAcrossRounds() throws {
        try onEachBackend { b in
            now_ms = 1_800_000_000_000
            let store = try makeStore(b)
            let n = notification("n0000000000000003")
            let temporary = DeliveryResult.transient("451 later", retryAfter_ms: nil)
            try store.insert(n, assignment: .chosen, suppressed: false)
            try store.record(attempt(n, 1, temporary))
            try store.record(attempt(n, 2, temporary))
            try store.finish(DeliveryOutcome(notification: n, delivered: false, result: temporary, attempts: 2, nextAttempt_ms: now_ms + 1))
            // The second round numbers its own attempts from 1 again.
            now_ms += 5
            try store.record(attempt(n, 1, .delivered(providerID: "Q1")))
            try store.finish(DeliveryOutcome(notification: n, delivered: true, result: .delivered(providerID: "Q1"), attempts: 1))
            try store.flush()
            XCTAssertEqual(try b.rows("SELECT attempt, result FROM delivery_attempts WHERE notification_id = '\(n.id)' ORDER BY attempt"),
                           ["1|transient", "2|transient", "3|delivered"], "\(b.kind)")
            XCTAssertEqual(try b.rows("SELECT outcome, attempts, deferrals, next_attempt_at_ms, finished_at_ms, provider_answer FROM notifications"),
                           ["delivered|3|1|∅|\(now_ms)|Q1"], "\(b.kind)")
        }
    }

    func testAnUndeliverableAddressIsSuppressedOnceWithItsReason() throws {
        try onEachBackend { b in
            now_ms = 1_800_000_000_000
            let store = try makeStore(b)
            let n = notification("n0000000000000004", to: "Gone@Example.com")
            try store.insert(n, assignment: .chosen, suppressed: false)
            XCTAssertFalse(try store.isSuppressed(emailKey: EmailAddress.suppressionKey("gone@example.com")))
            try store.finish(DeliveryOutcome(notification: n, delivered: false, result: .undeliverable("550 5.1.1 no such user"), attempts: 1))
            XCTAssertTrue(try store.isSuppressed(emailKey: EmailAddress.suppressionKey("gone@example.com")), "\(b.kind)")
            let listed = "SELECT p.email, r.reason, p.suppressed_at FROM suppressions p JOIN suppression_reasons r ON r.id = p.reason_id"
            XCTAssertEqual(try b.rows(listed), ["gone@example.com|hard bounce: 550 5.1.1 no such user|\(now_ms / 1000)"], "\(b.kind)")
            // A later refusal of the same address does not rewrite the first reason or time.
            now_ms += 5_000
            let again = notification("n0000000000000007", to: "gone@example.com")
            try store.insert(again, assignment: .chosen, suppressed: false)
            try store.finish(DeliveryOutcome(notification: again, delivered: false, result: .undeliverable("550 other"), attempts: 1))
            XCTAssertEqual(try b.rows(listed), ["gone@example.com|hard bounce: 550 5.1.1 no such user|\((now_ms - 5_000) / 1000)"], "\(b.kind)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM notifications WHERE outcome = 'failed' AND next_attempt_at_ms IS NULL"), 2)
        }
    }

    /// `--retry-pending` ends a claimed notification whose address was suppressed since.
    func testMarkSuppressedEndsAPendingNotification() throws {
        try onEachBackend { b in
            now_ms = 1_800_000_000_000
            let store = try makeStore(b)
            let n = notification("n0000000000000008")
            try defer_(n, until: now_ms, in: store)
            XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: false, limit: 10, lease_ms: 60_000).map(\.id), [n.id])
            now_ms += 7
            try store.markSuppressed(id: n.id)
            try store.flush()
            XCTAssertEqual(try b.rows("SELECT outcome, next_attempt_at_ms, finished_at_ms FROM notifications"), ["suppressed|∅|\(now_ms)"], "\(b.kind)")
            XCTAssertEqual(try store.claimPending(now_ms: now_ms, includeNotDue: true, limit: 10, lease_ms: 60_000), [])
        }
    }

    /// `rcom send --retry-pending` on the backend --db names (the in-process simulator takes the
    /// mail): the due one is delivered, its attempt numbered after the first round's two; the one
    /// whose address was suppressed since ends suppressed, unsent.
    func testRetryPendingDeliversThroughTheSelectedBackend() throws {
        try onEachBackend { b in
            now_ms = Int64(Date().timeIntervalSince1970 * 1000) - 1_000
            let store = try makeStore(b)
            let due = notification("n00000000000000a1"), gone = notification("n00000000000000a2", to: "gone@example.com")
            try defer_(due, until: now_ms, in: store)
            try defer_(gone, until: now_ms, in: store)
            try b.execute("""
                INSERT INTO suppression_reasons (reason) VALUES ('complaint');
                INSERT INTO suppressions (email, reason_id, suppressed_at) SELECT 'gone@example.com', id, 0 FROM suppression_reasons;
                """)
            let run = finish(try startRcom(["send", "--retry-pending", "--db", b.dbArgument]))
            XCTAssertEqual(run.status, 0, "\(b.kind): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("2 taken: 1 delivered, 0 still pending, 0 failed, 1 suppressed since"), run.stderr)
            XCTAssertEqual(try b.rows("SELECT id, outcome, attempts, deferrals, next_attempt_at_ms FROM notifications ORDER BY id"),
                           ["\(due.id)|delivered|3|1|∅", "\(gone.id)|suppressed|2|1|∅"], "\(b.kind)")
            XCTAssertEqual(try b.rows("SELECT notification_id, attempt, result FROM delivery_attempts"), ["\(due.id)|3|delivered"], "\(b.kind)")
        }
    }
}
