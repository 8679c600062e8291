import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// The `NotificationStore` contract, one suite for both backends (`onEachBackend`): what
/// `rcom send`, `rcom track` and `rcom stats` rely on, the suppression list seen the moment an
/// import commits, and `rcom send --batch` never sending a row twice (two processes at once, and
/// a rerun), with the real binary.
final class NotificationStoreContractTests: XCTestCase {
    func notification(_ id: String, channel: String = "email", target: String = "a@x.io") -> RcomNotify.Notification {
        RcomNotify.Notification(id: id, channel: channel, target: target, message: "hi", trackingURL: "http://t/e/\(id)", createdAt_ms: 1_000)
    }

    func testDeliveriesAttemptsClicksAndCountsAgreeOnBothBackends() throws {
        var results: [[ChannelCounts]] = []
        try onEachBackend { b in
            let store = try openNotificationStore(b.location)
            let a = notification("n0000000000000001"), s = notification("n0000000000000002", channel: "sms", target: "+15551234567")
            let f = notification("n0000000000000003"), x = notification("n0000000000000004")
            try store.insert(a, assignment: .random, suppressed: false)
            try store.insert(s, assignment: .random, suppressed: false)
            try store.insert(f, assignment: .chosen, suppressed: false)
            try store.insert(x, assignment: .random, suppressed: true)
            try store.record(AttemptRecord(notificationID: a.id, channel: "email", attempt: 1, result: .transient("451 later", retryAfter_ms: nil),
                                           started_ns: 0, duration_ns: 3_000_000))
            try store.record(AttemptRecord(notificationID: a.id, channel: "email", attempt: 2, result: .delivered(providerID: "m1"),
                                           started_ns: 0, duration_ns: 2_000_000))
            try store.finish(DeliveryOutcome(notification: a, delivered: true, result: .delivered(providerID: "m1"), attempts: 2))
            try store.finish(DeliveryOutcome(notification: s, delivered: true, result: .delivered(providerID: "m2"), attempts: 1))
            try store.finish(DeliveryOutcome(notification: f, delivered: false, result: .permanent("550 gone"), attempts: 1))
            XCTAssertEqual(try store.recordClick(notificationID: a.id, kind: .click), .first)
            XCTAssertEqual(try store.recordClick(notificationID: a.id, kind: .ack), .repeated)
            XCTAssertEqual(try store.recordClick(notificationID: "n00000000000000ff", kind: .click), .unknownNotification)
            XCTAssertEqual(try store.recordPreview(notificationID: a.id, fetcher: "slackbot"), .recorded)
            XCTAssertEqual(try store.recordPreview(notificationID: "n00000000000000ff", fetcher: "HEAD"), .unknownNotification)
            XCTAssertEqual(try store.notificationCount(), 4)
            let random = try store.channelCounts(assignment: .random)
            XCTAssertEqual(random.map(\.channel), ["email", "sms"], "\(b.kind)")
            XCTAssertEqual(random.first?.notifications, 2)
            XCTAssertEqual(random.first?.delivered, 1)
            XCTAssertEqual(random.first?.suppressed, 1)
            XCTAssertEqual(random.first?.engaged, 1)
            XCTAssertEqual(random.first?.repeatClicks, 1)
            XCTAssertEqual(random.first?.previews, 1, "a preview is counted apart, not as engagement")
            let all = try store.channelCounts(assignment: nil)
            XCTAssertEqual(all.first?.failed, 1)
            results.append(all)
            XCTAssertEqual(try b.rows("SELECT attempt, result, detail, duration_ms FROM delivery_attempts ORDER BY attempt"),
                           ["1|transient|451 later|3", "2|delivered|m1|2"], "\(b.kind)")
        }
        if results.count == 2 { XCTAssertEqual(results[0], results[1], "both backends count alike") }
    }

    func testASendSeesASuppressionTheMomentTheImportCommits() throws {
        try onEachBackend { b in
            let send = try openNotificationStore(b.location)
            try b.execute("INSERT INTO subscriptions (email, id, subscribed_at) VALUES ('late@x.io', 1, 0)")
            XCTAssertFalse(try send.isSuppressed(emailKey: "late@x.io"))
            try send.insert(notification("n0000000000000011"), assignment: .chosen, suppressed: false)
            try send.flush()
            var batch = SuppressionBatch()
            batch.append(email: "late@x.io", reason: "hard", suppressedAt_s: 5)
            _ = try b.location.openSuppressionStore().apply(batch) { tally in
                ImportCheckpoint(fingerprint: "1:a", sourcePath: "/f", nextLine: 2, byteOffset: 1, batchesCommitted: 1,
                                 counters: ImportCounters(), importStartedAt_s: 0, completed: true)
            }
            XCTAssertTrue(try send.isSuppressed(emailKey: "late@x.io"), "\(b.kind): the committed import is seen at once")
        }
    }

    /// A failed write (here a duplicate id) fails alone: the writes grouped before it stay.
    func testAFailedWriteLosesNothingButItself() throws {
        try onEachBackend { b in
            let store = try openNotificationStore(b.location)
            try store.insert(notification("n0000000000000021"), assignment: .chosen, suppressed: false)
            try store.insert(notification("n0000000000000022"), assignment: .chosen, suppressed: false)
            XCTAssertThrowsError(try store.insert(notification("n0000000000000021"), assignment: .chosen, suppressed: false))
            try store.insert(notification("n0000000000000023"), assignment: .chosen, suppressed: false)
            try store.flush()
            XCTAssertEqual(try b.rows("SELECT id FROM notifications ORDER BY id"),
                           ["n0000000000000021", "n0000000000000022", "n0000000000000023"], "\(b.kind)")
        }
    }

    func testClaimsAreGrantedOnceAcrossConnections() throws {
        try onEachBackend { b in
            let one = try openNotificationStore(b.location), two = try openNotificationStore(b.location)
            XCTAssertTrue(try one.claim("batch:10:ab:2"))
            XCTAssertFalse(try two.claim("batch:10:ab:2"))
            XCTAssertFalse(try one.claim("batch:10:ab:2"))
            XCTAssertTrue(try two.claim("batch:10:ab:3"))
        }
    }

    /// Two `rcom send --batch` processes on the same file at once, then a rerun: every row is
    /// delivered exactly once in all.
    func testTwoProcessesAndARerunNeverSendARowTwice() throws {
        try onEachBackend { b in
            let rows = 120
            let file = b.path("batch.csv")
            let lines = (1...rows).map { "email,person\($0)@example.com,hello \($0)" }
            try Data(("channel,target,message\n" + lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
            let first = try startSend(file, db: b.dbArgument), second = try startSend(file, db: b.dbArgument)
            let r1 = finish(first), r2 = finish(second)
            XCTAssertEqual(r1.status, 0, r1.stderr)
            XCTAssertEqual(r2.status, 0, r2.stderr)
            XCTAssertEqual(try b.int("SELECT count(*) FROM notifications"), rows, "\(b.kind): each row once, whoever sent it")
            XCTAssertEqual(try b.int("SELECT count(DISTINCT target) FROM notifications"), rows)
            XCTAssertEqual(try b.int("SELECT count(*) FROM send_claims"), rows)
            let rerun = finish(try startSend(file, db: b.dbArgument))
            XCTAssertEqual(rerun.status, 0, rerun.stderr)
            XCTAssertTrue(rerun.stdout.contains("\(rows) rows not sent again"), rerun.stdout)
            XCTAssertEqual(try b.int("SELECT count(*) FROM notifications"), rows, "the rerun sent nothing")
        }
    }

    func startSend(_ file: String, db: String) throws -> (Process, Pipe, Pipe) {
        try startRcom(["send", "--batch", file, "--db", db])
    }
}
