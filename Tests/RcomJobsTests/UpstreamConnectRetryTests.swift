import XCTest
import RcomCore
@testable import RcomJobs

/// Starts waiting on an upstream connection that never opened were never sent: they wait out a
/// backoff and go on the next connection, and fail only when the attempts are spent.
final class UpstreamConnectRetryTests: XCTestCase {
    func stage(attempts: Int = 3) -> UpstreamStage {
        var config = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: 9), publicURL: HTTPURL(host: "127.0.0.1", port: 8080))
        config.upstreamConnectAttemptsMax = attempts
        config.upstreamConnectBackoff_ms = 100
        // The full depth from the first start (the adaptive window has tests of its own).
        config.upstreamPipelineProbation = 0
        return UpstreamStage(config: config)
    }

    /// A job named by one letter, in its body and (as a number) in its token.
    func job(_ name: String) -> UpstreamJob {
        UpstreamJob(account: "acme", body: Array("{\"token\":\"\(name)\"}".utf8), purpose: .waitForCallback(token: token(name)))
    }

    func token(_ name: String) -> CallbackToken { CallbackToken(high: 0, low: UInt64(name.unicodeScalars.first!.value)) }

    func connects(_ effects: [ReactorEffect]) -> [ConnectionID] {
        effects.compactMap { if case .connect(let id, _, _) = $0 { return id } else { return nil } }
    }

    func timers(_ effects: [ReactorEffect]) -> [(TimerID, Instant_ns)] {
        effects.compactMap { if case .setTimer(let t, let d) = $0 { return (t, d) } else { return nil } }
    }

    func testARefusedConnectionIsRetriedAfterABackoffAndCarriesTheSameStartsInOrder() throws {
        var s = stage()
        let t0: Instant_ns = 1_000_000_000
        let first = s.dispatch(job("a"), now_ns: t0).effects + s.dispatch(job("b"), now_ns: t0).effects
        let id1 = try XCTUnwrap(connects(first).first)
        XCTAssertEqual(connects(first).count, 1, "one connection per account")

        let refused = s.handle(.connectFailed(id1, reason: "connection refused"), now_ns: t0)
        XCTAssertTrue(refused.outcomes.isEmpty, "nothing was sent: nothing fails yet")
        XCTAssertTrue(connects(refused.effects).isEmpty, "no reconnection before the backoff")
        let (retry, deadline) = try XCTUnwrap(timers(refused.effects).first { s.isArmed($0.0) })
        XCTAssertEqual(deadline, t0 + 100_000_000)
        // A start arriving during the backoff waits too.
        XCTAssertTrue(connects(s.dispatch(job("c"), now_ns: t0 + 1).effects).isEmpty)

        let again = s.timer(retry, now_ns: deadline)
        let id2 = try XCTUnwrap(connects(again.effects).first)
        XCTAssertNotEqual(id2, id1)
        let opened = s.handle(.connected(id2), now_ns: deadline)
        let written = opened.effects.compactMap { e -> String? in
            if case .write(_, let bytes) = e { return String(decoding: bytes, as: UTF8.self) } else { return nil }
        }
        let order = written.joined().components(separatedBy: "\"token\":\"").dropFirst().map { $0.prefix(1) }
        XCTAssertEqual(order, ["a", "b", "c"], "the returned starts go first, in their order")
    }

    func testTheStartsFailWhenTheAttemptsAreSpentWithTheBackoffDoubling() throws {
        var s = stage(attempts: 3)
        var now: Instant_ns = 5_000_000_000
        var id = try XCTUnwrap(connects(s.dispatch(job("a"), now_ns: now).effects).first)
        var waits: [UInt64] = []
        for _ in 0..<2 {
            let refused = s.handle(.connectFailed(id, reason: "connection refused"), now_ns: now)
            XCTAssertTrue(refused.outcomes.isEmpty)
            let (t, deadline) = try XCTUnwrap(timers(refused.effects).first { s.isArmed($0.0) })
            waits.append((deadline - now) / 1_000_000)
            now = deadline
            id = try XCTUnwrap(connects(s.timer(t, now_ns: now).effects).first)
        }
        XCTAssertEqual(waits, [100, 200])
        let last = s.handle(.connectFailed(id, reason: "connection refused"), now_ns: now)
        XCTAssertEqual(last.outcomes.count, 1, "the third refusal fails the start")
        guard case .failed(.waitForCallback(let token), let reason) = last.outcomes.first else { return XCTFail("\(last.outcomes)") }
        XCTAssertEqual(token, self.token("a"))
        XCTAssertTrue(reason.contains("refused"), reason)
        XCTAssertEqual(s.armedTimers, 0)
    }

    func testAConnectionThatOpenedAndBrokeStillFailsWhatItCarried() throws {
        var s = stage()
        let now: Instant_ns = 1
        let id = try XCTUnwrap(connects(s.dispatch(job("a"), now_ns: now).effects).first)
        _ = s.handle(.connected(id), now_ns: now)
        let broken = s.handle(.closed(id, reason: "connection reset"), now_ns: now)
        XCTAssertEqual(broken.outcomes.count, 1, "sent, perhaps started: not retried")
        XCTAssertTrue(timers(broken.effects).filter { s.isArmed($0.0) }.isEmpty)
    }

    /// After the job server closed an idle connection, a probe connects to see whether it is
    /// still there. A killed server's listener may still complete that handshake for a moment,
    /// so one open probe is not proof: the second, a backoff later, decides.
    func testAProbeMustOpenTwiceBeforeTheJobServerCountsAsThere() throws {
        func closedIdleConnection(_ s: inout UpstreamStage, at now: Instant_ns) throws -> ConnectionID {
            let id = try XCTUnwrap(connects(s.dispatch(job("a"), now_ns: now).effects).first)
            _ = s.handle(.connected(id), now_ns: now)
            let accepted = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8)
            XCTAssertEqual(s.handle(.received(id, accepted), now_ns: now).outcomes.count, 1)
            let closed = s.handle(.readClosed(id), now_ns: now)
            return try XCTUnwrap(connects(closed.effects).first, "the close is followed by a probe")
        }
        // The server is gone: the first probe opens (a dying listener), the second is refused.
        var gone = stage(attempts: 2)
        var now: Instant_ns = 1_000_000_000
        let probe1 = try closedIdleConnection(&gone, at: now)
        let opened = gone.handle(.connected(probe1), now_ns: now)
        XCTAssertTrue(opened.effects.contains { if case .close(probe1) = $0 { true } else { false } })
        let (look, at) = try XCTUnwrap(timers(opened.effects).first { gone.isArmed($0.0) }, "a second look is scheduled")
        now = at
        var probe = try XCTUnwrap(connects(gone.timer(look, now_ns: now).effects).first)
        var found: [UpstreamOutcome] = []
        for _ in 0..<4 where found.isEmpty {
            let refused = gone.handle(.connectFailed(probe, reason: "connection refused"), now_ns: now)
            found = refused.outcomes
            guard found.isEmpty, let (t, d) = timers(refused.effects).first(where: { gone.isArmed($0.0) }) else { break }
            now = d
            probe = try XCTUnwrap(connects(gone.timer(t, now_ns: now).effects).first)
        }
        guard case .unreachable? = found.first else { return XCTFail("expected unreachable, got \(found)") }
        XCTAssertEqual(gone.armedTimers, 0)

        // The server is there: both probes open, the lane is forgotten, nothing is left armed.
        var there = stage()
        now = 1_000_000_000
        let first = try closedIdleConnection(&there, at: now)
        let (again, at2) = try XCTUnwrap(timers(there.handle(.connected(first), now_ns: now).effects).first { there.isArmed($0.0) })
        let second = try XCTUnwrap(connects(there.timer(again, now_ns: at2).effects).first)
        let done = there.handle(.connected(second), now_ns: at2)
        XCTAssertTrue(done.effects.contains { if case .close(second) = $0 { true } else { false } })
        XCTAssertTrue(done.outcomes.isEmpty)
        XCTAssertEqual(there.armedTimers, 0)
        XCTAssertEqual(there.connectionCount, 0)
    }
}
