import XCTest
import RcomCore
@testable import RcomJobs

/// The adaptive pipeline depth (issue 30): the rule as a table, then the upstream stage holding
/// to it on a connection that breaks.
final class PipelineWindowTests: XCTestCase {
    enum Event { case answered(Int), broke }

    func testTheWindowRuleAsATable() {
        // One account of a fresh proxy (no proof yet), unless a row says the job server had proven itself.
        let rows: [(max: Int, probation: Int, events: [Event], size: Int, line: UInt)] = [
            // A new account: one at a time through the probation, then doubling.
            (16, 64, [], 1, #line),
            (16, 64, [.answered(63)], 1, #line),
            (16, 64, [.answered(64)], 2, #line),
            (16, 64, [.answered(64 + 2 + 4 + 7)], 8, #line),
            (16, 64, [.answered(64 + 2 + 4 + 8)], 16, #line),
            (16, 64, [.answered(500)], 16, #line),
            (16, 64, [.broke], 1, #line),
            (16, 64, [.broke, .answered(63)], 1, #line),
            (16, 64, [.broke, .answered(64)], 2, #line),
            (16, 64, [.broke, .answered(64 + 1)], 2, #line),
            (16, 64, [.broke, .answered(64 + 2)], 4, #line),
            (16, 64, [.broke, .answered(64 + 2 + 4)], 8, #line),
            (16, 64, [.broke, .answered(64 + 2 + 4 + 7)], 8, #line),
            (16, 64, [.broke, .answered(64 + 2 + 4 + 8)], 16, #line),
            (16, 64, [.broke, .answered(1_000)], 16, #line),
            // A break anywhere on the way up starts the probation again.
            (16, 64, [.broke, .answered(66), .broke], 1, #line),
            (16, 64, [.broke, .answered(63), .broke, .answered(63)], 1, #line),
            (16, 64, [.broke, .broke, .answered(64)], 2, #line),
            // Answers while full are not saved up for after a break.
            (16, 64, [.answered(100), .broke, .answered(63)], 1, #line),
            // A depth that is no power of two is reached, not passed.
            (6, 64, [.broke, .answered(64 + 2 + 4)], 6, #line),
            (6, 64, [.broke, .answered(64 + 2 + 3)], 4, #line),
            (1, 64, [.broke, .answered(64)], 1, #line),
            (16, 1, [.broke, .answered(1)], 2, #line),
            // Probation 0: the rule is off, the depth stays.
            (16, 0, [], 16, #line),
            (16, 0, [.broke], 16, #line),
            (16, 0, [.broke, .answered(3), .broke], 16, #line),
        ]
        for row in rows {
            XCTAssertEqual(size(row.max, row.probation, streak: 0, row.events), row.size,
                           "max \(row.max), probation \(row.probation), \(row.events)", line: row.line)
        }
        // An account that arrives after the job server proved itself starts at the full depth,
        // and a break still puts it back to one.
        XCTAssertEqual(size(16, 64, streak: 64, []), 16)
        XCTAssertEqual(size(16, 64, streak: 63, []), 1)
        XCTAssertEqual(size(16, 64, streak: 63, [.answered(1)]), 2, "the 64th answer in a row is the proof")
        XCTAssertEqual(size(16, 64, streak: 64, [.broke, .answered(63)]), 1)
    }

    /// The window after `events`, the job server's clean streak (all accounts) kept as the stage keeps it.
    func size(_ max: Int, _ probation: Int, streak start: Int, _ events: [Event]) -> Int {
        var streak = start
        var w = PipelineWindow(max: max, probation: probation, proven: streak >= probation)
        for e in events {
            switch e {
            case .broke:
                streak = 0
                w.broke()
            case .answered(let n):
                for _ in 0..<n {
                    streak += 1
                    w.answered(proven: streak >= probation)
                }
            }
        }
        XCTAssertEqual(w.isFull, w.size == max)
        return w.size
    }

    // MARK: the stage

    func stage(depth: Int = 4, probation: Int = 2) -> UpstreamStage {
        var config = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: 9), publicURL: HTTPURL(host: "127.0.0.1", port: 8080))
        config.upstreamPipelineDepthMax = depth
        config.upstreamPipelineProbation = probation
        return UpstreamStage(config: config)
    }

    func job(_ n: Int, account: String = "acme") -> UpstreamJob {
        UpstreamJob(account: account, body: Array("{\"n\":\(n)}".utf8), purpose: .waitForCallback(token: CallbackToken(high: 0, low: UInt64(n))))
    }

    /// The job numbers written by these effects, in order.
    func written(_ effects: [ReactorEffect]) -> [Int] {
        effects.flatMap { e -> [Int] in
            guard case .write(_, let bytes) = e else { return [] }
            return String(decoding: bytes, as: UTF8.self).components(separatedBy: "{\"n\":").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        }
    }

    func connect(_ effects: [ReactorEffect]) -> ConnectionID? {
        effects.lazy.compactMap { if case .connect(let id, _, _) = $0 { return id } else { return nil } }.first
    }

    func tokens(_ outcomes: [UpstreamOutcome], ambiguous: Bool) -> [UInt64] {
        outcomes.compactMap {
            switch $0 {
            case .ambiguous(.waitForCallback(let t), _) where ambiguous: return t.low
            case .failed(.waitForCallback(let t), _) where !ambiguous: return t.low
            default: return nil
            }
        }
    }

    let accepted = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8)

    func testOneAtATimeThenGrowingThenOneAtATimeAfterAResetAndNothingIsSentTwice() throws {
        var s = stage(depth: 4, probation: 2)
        let now: Instant_ns = 1_000
        var effects: [ReactorEffect] = []
        for n in 1...10 { effects += s.dispatch(job(n), now_ns: now).effects }
        let first = try XCTUnwrap(connect(effects))
        var sent = written(try XCTUnwrap(s.handle(.connected(first), now_ns: now)).effects)
        XCTAssertEqual(sent, [1], "a new account: one at a time")
        var more = written(try XCTUnwrap(s.handle(.received(first, accepted), now_ns: now)).effects)
        XCTAssertEqual(more, [2])
        more = written(try XCTUnwrap(s.handle(.received(first, accepted), now_ns: now)).effects)
        XCTAssertEqual(more, [3, 4], "probation over: the window doubles")
        more = written(try XCTUnwrap(s.handle(.received(first, accepted + accepted), now_ns: now)).effects)
        XCTAssertEqual(more, [5, 6, 7, 8], "a whole window answered: the full depth")
        sent += [2, 3, 4] + more

        // The job server resets the connection with four starts written: those four are
        // ambiguous (never re-sent); the two never written are not, and wait for the next one.
        let reset = try XCTUnwrap(s.handle(.closed(first, reason: "connection reset by peer"), now_ns: now))
        XCTAssertEqual(tokens(reset.outcomes, ambiguous: true), [5, 6, 7, 8])
        XCTAssertEqual(tokens(reset.outcomes, ambiguous: false), [])
        XCTAssertEqual(s.queuedCount, 1, "one start rides on the next connection, one waits")
        let second = try XCTUnwrap(connect(reset.effects))
        sent += written(try XCTUnwrap(s.handle(.connected(second), now_ns: now)).effects)
        XCTAssertEqual(sent, Array(1...9), "one at a time after the reset")
        sent += written(try XCTUnwrap(s.handle(.received(second, accepted), now_ns: now)).effects)
        XCTAssertEqual(sent, Array(1...10), "every start written once, in order")
        XCTAssertEqual(s.queuedCount, 0)
    }

    func testWithoutProbationTheDepthIsFullThroughout() throws {
        var s = stage(depth: 4, probation: 0)
        var effects: [ReactorEffect] = []
        for n in 1...8 { effects += s.dispatch(job(n), now_ns: 1).effects }
        let first = try XCTUnwrap(connect(effects))
        XCTAssertEqual(written(try XCTUnwrap(s.handle(.connected(first), now_ns: 1)).effects), [1, 2, 3, 4])
        let second = try XCTUnwrap(connect(try XCTUnwrap(s.handle(.closed(first, reason: "reset"), now_ns: 1)).effects))
        XCTAssertEqual(written(try XCTUnwrap(s.handle(.connected(second), now_ns: 1)).effects), [5, 6, 7, 8])
    }

    /// The proof is the job server's, pooled over accounts: two accounts answered once each end a
    /// probation of two for both, and an account that comes after it starts at the full depth.
    func testTheProbationCountsAnswersOnEveryAccount() throws {
        var s = stage(depth: 4, probation: 2)
        var ids: [String: ConnectionID] = [:]
        for account in ["a", "b"] {
            var effects: [ReactorEffect] = []
            for n in 1...3 { effects += s.dispatch(job(n, account: account), now_ns: 1).effects }
            ids[account] = try XCTUnwrap(connect(effects))
            XCTAssertEqual(written(try XCTUnwrap(s.handle(.connected(ids[account]!), now_ns: 1)).effects), [1])
        }
        XCTAssertEqual(written(try XCTUnwrap(s.handle(.received(ids["a"]!, accepted), now_ns: 1)).effects), [2], "one answer in a row: still one")
        XCTAssertEqual(written(try XCTUnwrap(s.handle(.received(ids["b"]!, accepted), now_ns: 1)).effects), [2, 3], "the second, on b: proven")
        var effects: [ReactorEffect] = []
        for n in 1...5 { effects += s.dispatch(job(n, account: "c"), now_ns: 1).effects }
        let c = try XCTUnwrap(connect(effects))
        XCTAssertEqual(written(try XCTUnwrap(s.handle(.connected(c), now_ns: 1)).effects), [1, 2, 3, 4], "after the proof: the full depth")
    }
}
