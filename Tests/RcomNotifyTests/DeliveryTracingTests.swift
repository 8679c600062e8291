import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// Keeps the spans a pipeline hands over.
final class CollectingSpans: SpanSink, @unchecked Sendable {
    var spans: [SpanData] = []
    func add(_ span: SpanData) { spans.append(span) }
}

/// The send pipeline's spans on a virtual clock (sans-IO): one Slack notification over the
/// carrier, answered 503 then 200.
final class DeliveryTracingTests: XCTestCase {
    private let t0: UInt64 = 1_765_000_000_123_456_789

    private func run(seed: UInt64, sampler: TraceSampler = .alwaysOn) throws -> [SpanData] {
        let carrier = CapturingCarrier(), sink = RecordingSink(), spans = CollectingSpans()
        let slack = SlackChannel(settings: ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": CarriedTransportTests.hook]))
        let stage = DeliveryStage(policy: Deliver.policy(attempts: 3, timeout_ms: 5_000), entropy: SeededEntropy(seed: 1))
        let feed = ListFeed([(Deliver.notification("slack", "c3245/databases"), slack)])
        let parent = try TraceContext.parse(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").get()
        let tracing = DeliveryTracing(tracer: Tracer(sampler: sampler, entropy: SeededEntropy(seed: seed)), parent: parent)
        var h = EmbeddedHarness(SendPipeline(stage: stage, source: feed, sink: sink, carrier: carrier, tracing: tracing, spanSink: spans))
        h.feed(SendPipeline.startEvent(wall_ms: Int64(t0 / 1_000_000), unix_ns: t0))
        h.advance(by: 3_000_000)
        var busy = HTTPResponse(status: 503, body: Array("busy".utf8))
        busy.headers.add("Retry-After", "1")
        h.feed(CarriedAnswer.response(try XCTUnwrap(carrier.requests.first).exchange, busy).event)
        h.advance(by: 1_000_000_000)
        XCTAssertEqual(carrier.requests.count, 2)
        h.advance(by: 2_000_000)
        h.feed(CarriedAnswer.response(carrier.requests[1].exchange, SimulatedHTTPProviders.text(200, "ok")).event)
        XCTAssertEqual(sink.outcomes.first?.delivered, true)
        return spans.spans
    }

    func testOneSpanPerNotificationAndPerAttemptWithStatusesAndTimes() throws {
        let spans = try run(seed: 5)
        XCTAssertEqual(spans.map(\.name), ["attempt 1 slack", "attempt 2 slack", "deliver slack"])
        let (a1, a2, deliver) = (spans[0], spans[1], spans[2])
        XCTAssertEqual(deliver.context.traceID.hex, "4bf92f3577b34da6a3ce929d0e0e4736", "in the caller's trace")
        XCTAssertEqual(deliver.parentSpanID?.hex, "00f067aa0ba902b7")
        XCTAssertEqual([a1.parentSpanID, a2.parentSpanID], [deliver.context.spanID, deliver.context.spanID])
        XCTAssertEqual([a1.kind, a2.kind, deliver.kind], [.client, .client, .internal])
        // Times: the start event's anchor plus the virtual clock's elapsed time.
        XCTAssertEqual(deliver.start_unixNano, t0)
        XCTAssertEqual(a1.start_unixNano, t0)
        XCTAssertEqual(a1.end_unixNano, t0 + 3_000_000)
        XCTAssertEqual(a2.start_unixNano, t0 + 1_003_000_000, "Retry-After 1 s: the gap between the attempts")
        XCTAssertEqual(a2.end_unixNano, t0 + 1_005_000_000)
        XCTAssertEqual(deliver.end_unixNano, a2.end_unixNano)
        XCTAssertEqual(a1.status, SpanStatus(.error, message: "503 busy"))
        XCTAssertEqual(a2.status, SpanStatus(.ok))
        XCTAssertEqual(deliver.status, SpanStatus(.ok))
        XCTAssertEqual(a1.attributes.first { $0.key == "http.response.status_code" }?.value, .int(503))
        XCTAssertEqual(a2.attributes.first { $0.key == "http.response.status_code" }?.value, .int(200))
        XCTAssertEqual(a1.attributes.first { $0.key == "server.address" }?.value, .string("hooks.slack.example"), "never the path")
        XCTAssertEqual(a1.attributes.first { $0.key == "server.port" }?.value, .int(443))
        XCTAssertEqual(deliver.attributes.first { $0.key == "rcom.attempts" }?.value, .int(2))
    }

    /// Ids and times are inputs: the same entropy and events give the same bytes on the wire
    /// (what lets a recorded run replay its trace), another seed other span ids.
    func testTheSameInputsGiveTheSameExportBytes() throws {
        let resource = OTLPResource(serviceName: "rcom-send")
        let first = OTLPJSONEncoder.body(try run(seed: 5), resource: resource)
        XCTAssertEqual(first, OTLPJSONEncoder.body(try run(seed: 5), resource: resource))
        XCTAssertNotEqual(first, OTLPJSONEncoder.body(try run(seed: 6), resource: resource))
    }

    func testTheSamplerDecidesWhatIsRecorded() throws {
        XCTAssertTrue(try run(seed: 5, sampler: .parentBased(root: .alwaysOn)).count == 3, "the parent is sampled (-01)")
        XCTAssertTrue(try run(seed: 5, sampler: .alwaysOff).isEmpty)
    }
}
