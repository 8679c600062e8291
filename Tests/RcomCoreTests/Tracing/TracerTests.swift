import XCTest
import RcomCore

final class TracerTests: XCTestCase {
    func testIdsComeFromTheEntropySourceSoARecordedRunReplays() throws {
        let recording = RecordingEntropy(SeededEntropy(seed: 42))
        let tracer = Tracer(sampler: .alwaysOn, entropy: recording)
        let root = tracer.startSpan("job", kind: .server, parent: nil, start_unixNano: 1_000)
        let child = tracer.startSpan("upstream start", kind: .client, parent: root.context, start_unixNano: 1_100)
        let draws = recording.takeDraws()
        XCTAssertEqual(draws.count, 4, "a root draws a trace id (2) and a span id (1); a child only its span id")

        let replay = ReplayEntropy()
        replay.load(draws)
        let again = Tracer(sampler: .alwaysOn, entropy: replay)
        let root2 = again.startSpan("job", kind: .server, parent: nil, start_unixNano: 1_000)
        let child2 = again.startSpan("upstream start", kind: .client, parent: root2.context, start_unixNano: 1_100)
        XCTAssertEqual(root2.context, root.context)
        XCTAssertEqual(child2.context, child.context)
        XCTAssertEqual(replay.unused, 0)
        XCTAssertFalse(replay.overdrawn)

        XCTAssertEqual(root.context.traceID.high, draws[0])
        XCTAssertEqual(root.context.traceID.low, draws[1])
        XCTAssertEqual(root.context.spanID.raw, draws[2])
        XCTAssertEqual(child.context.traceID, root.context.traceID)
        XCTAssertEqual(child.parentSpanID, root.context.spanID)
        XCTAssertNil(root.parentSpanID)
    }

    func testAnExhaustedReplayStillMakesValidIdsWithoutExtraDraws() {
        let replay = ReplayEntropy()
        let span = Tracer(sampler: .alwaysOn, entropy: replay).startSpan("x", kind: .internal, parent: nil, start_unixNano: 0)
        XCTAssertTrue(replay.overdrawn)
        XCTAssertEqual(span.context.traceID.hex, "00000000000000000000000000000001")
        XCTAssertEqual(span.context.spanID.hex, "0000000000000001")
    }

    func testARemoteParentIsContinuedWithItsTracestate() throws {
        var parent = try TraceContext.parse(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").get()
        parent.traceState = TraceState.parse("congo=t61rcWkgMzE")!
        let tracer = Tracer(sampler: .parentBased(root: .alwaysOff), entropy: SeededEntropy(seed: 1))
        var span = tracer.startSpan("job", kind: .server, parent: parent, start_unixNano: 10)
        span.setAttribute("http.request.method", .string("POST"))
        let data = try XCTUnwrap(span.end(at: 20))
        XCTAssertEqual(data.context.traceID, parent.traceID)
        XCTAssertEqual(data.parentSpanID, parent.spanID)
        XCTAssertTrue(data.parentIsRemote)
        XCTAssertFalse(data.context.isRemote)
        XCTAssertEqual(data.context.traceState.header, "congo=t61rcWkgMzE")
        XCTAssertNotEqual(data.context.spanID, parent.spanID)
        XCTAssertEqual(span.context.traceparent.prefix(36), "00-4bf92f3577b34da6a3ce929d0e0e4736-")
    }

    func testAnUnsampledSpanPropagatesButRecordsNothingAndDrawsTheSame() {
        let recording = RecordingEntropy(SeededEntropy(seed: 7))
        let tracer = Tracer(sampler: .alwaysOff, entropy: recording)
        var span = tracer.startSpan("job", kind: .server, parent: nil, start_unixNano: 5, attributes: [SpanAttribute("a", .int(1))])
        span.addEvent("callback", at: 6)
        span.setStatus(SpanStatus(.error, message: "boom"))
        XCTAssertFalse(span.isRecording)
        XCTAssertFalse(span.context.sampled)
        XCTAssertTrue(span.context.traceparent.hasSuffix("-00"))
        XCTAssertNil(span.end(at: 9))
        XCTAssertEqual(recording.takeDraws().count, 3)
    }

    func testLimitsStatusRulesAndClampedEnd() throws {
        var limits = SpanLimits()
        limits.attributes = 2
        limits.events = 1
        limits.attributesPerEvent = 1
        limits.stringValueBytes = 5
        let tracer = Tracer(sampler: .alwaysOn, entropy: SeededEntropy(seed: 3), limits: limits)
        var span = tracer.startSpan("s", kind: .internal, parent: nil, start_unixNano: 100)
        span.setAttribute("a", .string("h\u{e9}llo world"))
        span.setAttribute("b", .bool(true))
        span.setAttribute("a", .string("abc"))
        span.setAttribute("c", .double(1))
        span.addEvent("e1", at: 101, attributes: [SpanAttribute("x", .int(1)), SpanAttribute("y", .int(2))])
        span.addEvent("e2", at: 102)
        let steps: [(SpanStatus, SpanStatus.Code, String)] = [
            (.unset, .unset, ""),
            (SpanStatus(.error, message: "first"), .error, "first"),
            (SpanStatus(.error, message: "second"), .error, "second"),
            (.unset, .error, "second"),
            (SpanStatus(.ok), .ok, ""),
            (SpanStatus(.error, message: "late"), .ok, ""),
        ]
        for (i, (set, code, message)) in steps.enumerated() {
            span.setStatus(set)
            let d = try XCTUnwrap(span.end(at: 200))
            XCTAssertEqual(d.status.code, code, "step \(i)")
            XCTAssertEqual(d.status.message, message, "step \(i)")
        }
        let d = try XCTUnwrap(span.end(at: 50))
        XCTAssertEqual(d.end_unixNano, 100, "an end before the start is clamped to the start")
        XCTAssertEqual(d.attributes, [SpanAttribute("a", .string("abc")), SpanAttribute("b", .bool(true))])
        XCTAssertEqual(d.droppedAttributes, 1)
        XCTAssertEqual(d.events.count, 1)
        XCTAssertEqual(d.events[0].attributes, [SpanAttribute("x", .int(1))])
        XCTAssertEqual(d.events[0].droppedAttributes, 1)
        XCTAssertEqual(d.droppedEvents, 1)

        var cut = tracer.startSpan("s", kind: .internal, parent: nil, start_unixNano: 0)
        cut.setAttribute("k", .string("h\u{e9}llo world"))
        XCTAssertEqual(cut.end(at: 1)?.attributes.first?.value, .string("h\u{e9}ll"), "cut at a character boundary within 5 bytes")
    }
}
