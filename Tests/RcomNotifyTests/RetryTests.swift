import Foundation
import XCTest
import RcomCore
import RcomReactor
@testable import RcomNotify

/// Transient failures are retried with backoff, 429 waits for Retry-After, permanent ones are not.
final class RetryTests: XCTestCase {
    func testServerErrorsAreRetriedUntilSuccess() throws {
        let f = try SimulatorFixture(faults: "sms:500=2x")
        let sink = Deliver.one(SMSChannel(settings: f.settings), Deliver.notification("sms", "+15059045845"))
        let sim = f.stop()
        XCTAssertEqual(sink.attempts.map(\.result.kind), ["transient", "transient", "delivered"])
        XCTAssertTrue(sink.attempts[0].result.detail.hasPrefix("500"), sink.attempts[0].result.detail)
        XCTAssertEqual(sink.outcomes.first?.attempts, 3)
        XCTAssertEqual(sim.stats.requests["sms"], 3)
    }

    func testSMTPTemporaryFailureIsRetried() throws {
        let f = try SimulatorFixture(faults: "email:500=1x")
        let sink = Deliver.one(EmailChannel(settings: f.settings), Deliver.notification("email", "a@example.com"))
        _ = f.stop()
        XCTAssertEqual(sink.attempts.map(\.result.kind), ["transient", "delivered"])
        XCTAssertTrue(sink.attempts[0].result.detail.hasPrefix("451"), sink.attempts[0].result.detail)
    }

    func testTimeoutIsRetried() throws {
        let f = try SimulatorFixture(faults: "slack:timeout=1x")
        let sink = Deliver.one(SlackChannel(settings: f.settings), Deliver.notification("slack", "ws/ops"),
                               policy: Deliver.policy(timeout_ms: 300))
        _ = f.stop()
        XCTAssertEqual(sink.attempts.map(\.result.kind), ["transient", "delivered"])
        XCTAssertEqual(sink.attempts[0].result.detail, "no answer within 300 ms")
        XCTAssertGreaterThanOrEqual(sink.attempts[0].duration_ns, 300_000_000)
    }

    func testRateLimitHonoursRetryAfter() throws {
        let f = try SimulatorFixture(faults: "slack:429=1x", retryAfter_s: 1)
        let sink = Deliver.one(SlackChannel(settings: f.settings), Deliver.notification("slack", "ws/ops"))
        _ = f.stop()
        XCTAssertEqual(sink.attempts.map(\.result.kind), ["transient", "delivered"])
        guard case .transient(_, let wish)? = sink.attempts.first?.result else { return XCTFail() }
        XCTAssertEqual(wish, 1_000)
        // The second attempt started no earlier than Retry-After after the first answer.
        let gap = sink.attempts[1].started_ns - (sink.attempts[0].started_ns + sink.attempts[0].duration_ns)
        XCTAssertGreaterThanOrEqual(gap, 1_000_000_000)
    }

    func testPermanentRefusalIsNotRetried() throws {
        let f = try SimulatorFixture(faults: "sms:reject=1x,email:reject=1x")
        let r = ChannelRegistry(settings: f.settings)
        let sink = Deliver.run([(Deliver.notification("sms", "+15059045845"), r.channel("sms")!),
                                (Deliver.notification("email", "a@example.com", id: "n1111111111111111"), r.channel("email")!)])
        let sim = f.stop()
        XCTAssertEqual(sink.attempts.count, 2)
        XCTAssertTrue(sink.outcomes.allSatisfy { !$0.delivered && $0.attempts == 1 })
        let details = sink.outcomes.map(\.result.detail).sorted()
        XCTAssertTrue(details[0].hasPrefix("400 code 21610"), details[0])
        XCTAssertTrue(details[1].hasPrefix("550 "), details[1])
        XCTAssertEqual(sim.stats.requests, ["sms": 1, "email": 1])
    }

    func testGivesUpAfterAttemptsMax() throws {
        let f = try SimulatorFixture(faults: "sms:500=1")
        let sink = Deliver.one(SMSChannel(settings: f.settings), Deliver.notification("sms", "+15059045845"),
                               policy: Deliver.policy(attempts: 3))
        _ = f.stop()
        XCTAssertEqual(sink.attempts.count, 3)
        XCTAssertEqual(sink.outcomes.first?.delivered, false)
    }

    func testRefusedConnectionIsTransient() throws {
        let l = try RcomReactor.BoundListener.open(host: "127.0.0.1", port: 0)
        let port = l.port
        l.close()
        let settings = ChannelSettings(values: ["RCOM_SMTP_URL": "smtp://127.0.0.1:\(port)"])
        let sink = Deliver.one(EmailChannel(settings: settings), Deliver.notification("email", "a@example.com"),
                               policy: Deliver.policy(attempts: 2))
        XCTAssertEqual(sink.attempts.map(\.result.kind), ["transient", "transient"])
        XCTAssertTrue(sink.attempts[0].result.detail.hasPrefix("connection:"), sink.attempts[0].result.detail)
    }

    func testBackoffDoublesWithEqualJitterUnderTheCap() {
        var p = DeliveryPolicy()
        p.backoffBase_ms = 100
        p.backoffCap_ms = 1_000
        XCTAssertEqual(p.backoff_ms(afterAttempt: 1, unit: 0), 50)
        XCTAssertEqual(p.backoff_ms(afterAttempt: 1, unit: 0.999), 99)
        XCTAssertEqual(p.backoff_ms(afterAttempt: 3, unit: 0), 200)
        XCTAssertEqual(p.backoff_ms(afterAttempt: 10, unit: 0.5), 750)
    }
}
