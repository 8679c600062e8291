import XCTest
import RcomCore

/// Drives a SpanExportStage on a virtual clock (EmbeddedHarness's idea for this stage): one
/// timer, fired at its own deadline as time advances; sends collected for the test to answer.
private struct ExportHarness {
    var stage: SpanExportStage
    var now_ns: Instant_ns = 1_000_000_000
    var timer: Instant_ns?
    var sent: [(id: SpanExportStage.ExportID, body: [UInt8], at: Instant_ns)] = []
    var abandoned: [SpanExportStage.ExportID] = []

    init(limits: SpanExportLimits, seed: UInt64 = 1) {
        stage = SpanExportStage(resource: OTLPResource(serviceName: "test"), limits: limits, entropy: SeededEntropy(seed: seed))
    }

    mutating func apply(_ effects: [SpanExportStage.Effect]) {
        for e in effects {
            switch e {
            case .send(let id, let body): sent.append((id, body, now_ns))
            case .armTimer(let at): timer = at
            case .cancelTimer: timer = nil
            case .abandon(let id): abandoned.append(id)
            }
        }
    }

    mutating func add(_ n: Int) {
        for _ in 0..<n { apply(stage.add(Self.span(), now_ns: now_ns)) }
    }

    mutating func answer(_ outcome: SpanExportStage.Outcome, id: SpanExportStage.ExportID? = nil) {
        apply(stage.finished(id ?? sent.last!.id, outcome, now_ns: now_ns))
    }

    mutating func advance(by delta_ns: UInt64) {
        let target = now_ns + delta_ns
        while let t = timer, t <= target {
            now_ns = max(now_ns, t)
            timer = nil
            apply(stage.timerFired(now_ns: now_ns))
        }
        now_ns = target
    }

    static func span() -> SpanData {
        SpanData(context: TraceContext(traceID: TraceID(high: 1, low: 2)!, spanID: SpanID(raw: 3)!, flags: .sampled),
                 parentSpanID: nil, name: "s", kind: .internal, start_unixNano: 1, end_unixNano: 2)
    }

    /// Spans in a sent body, counted from the body itself.
    static func spans(in body: [UInt8]) -> Int {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\"spanId\"").count - 1
    }
}

final class SpanExportStageTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    func testBatchesBySizeOrDelayOneExportInFlight() {
        var h = ExportHarness(limits: SpanExportLimits())
        h.add(3)
        XCTAssertTrue(h.sent.isEmpty, "three spans wait for the batch delay")
        XCTAssertEqual(h.timer, h.now_ns + second)
        h.advance(by: second - 1)
        XCTAssertTrue(h.sent.isEmpty)
        h.advance(by: 1)
        XCTAssertEqual(h.sent.map { ExportHarness.spans(in: $0.body) }, [3], "sent at exactly 1 s")

        h.add(1100)
        XCTAssertEqual(h.sent.count, 1, "one export in flight at a time, however full the queue")
        h.answer(.answered(status: 200, retryAfter_ns: nil))
        XCTAssertEqual(h.sent.map { ExportHarness.spans(in: $0.body) }, [3, 512], "a full batch goes at once")
        h.answer(.answered(status: 204, retryAfter_ns: nil))
        XCTAssertEqual(h.sent.map { ExportHarness.spans(in: $0.body) }, [3, 512, 512])
        h.answer(.answered(status: 200, retryAfter_ns: nil))
        XCTAssertEqual(h.sent.count, 3, "76 spans wait for the delay, counted from their arrival")
        h.advance(by: second)
        XCTAssertEqual(h.sent.map { ExportHarness.spans(in: $0.body) }, [3, 512, 512, 76])
        h.answer(.answered(status: 200, retryAfter_ns: nil))
        XCTAssertEqual(h.stage.counters.exported, 1103)
        XCTAssertEqual(h.stage.counters.dropped, 0)
        XCTAssertTrue(h.stage.isIdle)
        XCTAssertNil(h.timer, "an idle exporter arms nothing")
    }

    func testTheQueueDropsAndCountsPastItsBounds() {
        var limits = SpanExportLimits()
        limits.maxQueue = 10
        limits.maxBatch = 4
        var h = ExportHarness(limits: limits)
        h.add(4)
        XCTAssertEqual(h.sent.count, 1)
        h.add(15)
        XCTAssertEqual(h.stage.queuedSpans, 10)
        XCTAssertEqual(h.stage.counters.droppedQueueFull, 5)

        var bytes = SpanExportLimits()
        bytes.maxQueueBytes = 3_000
        var b = ExportHarness(limits: bytes)
        b.add(100)
        XCTAssertLessThan(b.stage.queuedSpans, 100)
        XCTAssertGreaterThan(b.stage.queuedSpans, 0)
        XCTAssertEqual(b.stage.queuedSpans + b.stage.counters.droppedQueueFull, 100)
    }

    func testRetriesFollowTheOTLPRules() {
        // (outcome, retried?)
        let cases: [(SpanExportStage.Outcome, Bool)] = [
            (.answered(status: 429, retryAfter_ns: nil), true), (.answered(status: 502, retryAfter_ns: nil), true),
            (.answered(status: 503, retryAfter_ns: nil), true), (.answered(status: 504, retryAfter_ns: nil), true),
            (.failed, true), (.answered(status: 400, retryAfter_ns: nil), false), (.answered(status: 401, retryAfter_ns: nil), false),
            (.answered(status: 404, retryAfter_ns: nil), false), (.answered(status: 413, retryAfter_ns: nil), false),
            (.answered(status: 500, retryAfter_ns: nil), false), (.answered(status: 301, retryAfter_ns: nil), false),
        ]
        for (outcome, retried) in cases {
            var limits = SpanExportLimits()
            limits.maxBatch = 2
            var h = ExportHarness(limits: limits)
            h.add(2)
            h.answer(outcome)
            XCTAssertEqual(h.stage.counters.retries, retried ? 1 : 0, "\(outcome)")
            XCTAssertEqual(h.stage.counters.droppedRejected, retried ? 0 : 2, "\(outcome)")
            XCTAssertEqual(h.stage.isIdle, !retried, "\(outcome)")
            h.advance(by: second)
            XCTAssertEqual(h.sent.count, retried ? 2 : 1, "\(outcome)")
            XCTAssertEqual(h.sent.last!.body, h.sent.first!.body, "a retry sends the same body")
        }
    }

    func testBackoffIsExponentialWithJitterAndBoundedThenDrops() {
        var limits = SpanExportLimits()
        limits.maxBatch = 1
        for seed: UInt64 in [1, 2, 3] {
            var h = ExportHarness(limits: limits, seed: seed)
            h.add(1)
            var delays: [UInt64] = []
            for i in 0..<4 {
                let failedAt = h.now_ns
                h.answer(.failed)
                h.advance(by: second << UInt64(i))
                XCTAssertEqual(h.sent.count, i + 2, "seed \(seed): retry \(i + 1) sent by its nominal delay")
                delays.append(h.sent.last!.at - failedAt)
            }
            for (i, d) in delays.enumerated() {
                let nominal = second << UInt64(i)
                XCTAssertTrue((nominal / 2...nominal).contains(d), "seed \(seed) retry \(i + 1): \(d) ns not in [d/2, d]")
            }
            XCTAssertEqual(h.sent.count, 5)
            h.answer(.failed)
            XCTAssertEqual(h.stage.counters.droppedRetriesExhausted, 1, "five attempts, then the batch is dropped and counted")
            XCTAssertTrue(h.stage.isIdle)
            h.advance(by: 600 * second)
            XCTAssertEqual(h.sent.count, 5)
        }
        var capped = SpanExportLimits()
        capped.maxBatch = 1
        capped.maxAttempts = 50
        capped.exportTimeout_ns = 600 * second
        var h = ExportHarness(limits: capped)
        h.add(1)
        for i in 0..<45 {
            let failedAt = h.now_ns
            h.answer(.answered(status: 503, retryAfter_ns: nil))
            h.advance(by: capped.maxBackoff_ns)
            XCTAssertEqual(h.sent.count, i + 2, "retry \(i + 1) comes within the 30 s cap")
            XCTAssertGreaterThanOrEqual(h.sent.last!.at - failedAt, min(second << UInt64(min(i, 40)), capped.maxBackoff_ns) / 2)
        }
    }

    func testRetryAfterIsHonouredUpToItsBound() {
        let cases: [(UInt64, UInt64)] = [(0, 0), (3 * second, 3 * second), (45 * second, 45 * second), (3600 * second, 60 * second)]
        for (given, waited) in cases {
            var limits = SpanExportLimits()
            limits.maxBatch = 1
            var h = ExportHarness(limits: limits)
            h.add(1)
            let at = h.now_ns
            h.answer(.answered(status: 429, retryAfter_ns: given))
            h.advance(by: waited == 0 ? 0 : waited - 1)
            XCTAssertEqual(h.sent.count, waited == 0 ? 2 : 1, "Retry-After \(given)")
            h.advance(by: 1)
            XCTAssertEqual(h.sent.count, 2, "Retry-After \(given)")
            XCTAssertEqual(h.sent[1].at - at, waited)
        }
    }

    func testATimedOutExportIsAbandonedAndItsLateAnswerIgnored() {
        var limits = SpanExportLimits()
        limits.maxBatch = 1
        var h = ExportHarness(limits: limits)
        h.add(1)
        let first = h.sent[0].id
        h.advance(by: limits.exportTimeout_ns)
        XCTAssertEqual(h.abandoned, [first])
        XCTAssertEqual(h.stage.counters.retries, 1)
        h.answer(.answered(status: 200, retryAfter_ns: nil), id: first)
        XCTAssertEqual(h.stage.counters.exported, 0, "the abandoned export's answer counts for nothing")
        h.advance(by: second)
        XCTAssertEqual(h.sent.count, 2)
        XCTAssertNotEqual(h.sent[1].id, first)
        h.answer(.answered(status: 200, retryAfter_ns: nil))
        XCTAssertEqual(h.stage.counters.exported, 1)
    }

    func testCollectorDownThenBackNothingGrowsAndExportResumes() {
        var h = ExportHarness(limits: SpanExportLimits())
        // The collector is down for 10 s while 500 spans a second arrive.
        var answered = Set<SpanExportStage.ExportID>()
        for _ in 0..<100 {
            h.add(50)
            h.advance(by: second / 10)
            if let last = h.sent.last, answered.insert(last.id).inserted { h.answer(.failed, id: last.id) }
        }
        XCTAssertLessThanOrEqual(h.stage.queuedSpans, 2048)
        XCTAssertGreaterThan(h.stage.counters.dropped, 0, "past the bound, spans were dropped and counted")
        XCTAssertEqual(h.stage.counters.exported, 0)
        // Back up: every export from now on succeeds; the queue empties.
        for _ in 0..<200 where !h.stage.isIdle {
            h.advance(by: second)
            if let last = h.sent.last, answered.insert(last.id).inserted { h.answer(.answered(status: 200, retryAfter_ns: nil), id: last.id) }
        }
        XCTAssertTrue(h.stage.isIdle)
        XCTAssertGreaterThan(h.stage.counters.exported, 2000)
        XCTAssertEqual(h.stage.counters.exported + h.stage.counters.dropped, 5000, "every span is exported or counted as dropped")
    }

    func testDrainSendsAtOnceAndAbandonCountsTheRest() {
        var h = ExportHarness(limits: SpanExportLimits())
        h.add(600)
        XCTAssertEqual(h.sent.count, 1)
        h.apply(h.stage.drain(now_ns: h.now_ns))
        h.answer(.answered(status: 200, retryAfter_ns: nil))
        XCTAssertEqual(h.sent.map { ExportHarness.spans(in: $0.body) }, [512, 88], "draining does not wait for the batch delay")
        h.answer(.answered(status: 200, retryAfter_ns: nil))
        XCTAssertTrue(h.stage.isIdle)

        var g = ExportHarness(limits: SpanExportLimits())
        g.add(700)
        g.apply(g.stage.abandon(now_ns: g.now_ns))
        XCTAssertEqual(g.abandoned, [g.sent[0].id])
        XCTAssertEqual(g.stage.counters.droppedShutdown, 700)
        XCTAssertNil(g.timer)
        XCTAssertTrue(g.stage.isIdle)
    }
}
