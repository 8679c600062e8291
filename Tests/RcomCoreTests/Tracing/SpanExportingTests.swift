import XCTest
import RcomCore

/// A pipeline that finishes one span per wakeup and stops on shutdown: what `SpanExporting`
/// wraps, so the wrapper's routing, POSTs, retries and flush-on-stop are seen as reactor effects.
private struct OneSpanPerWakeup: TracedPipeline {
    var tracing: PipelineTracing?
    var handled = 0

    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        handled += 1
        switch event {
        case .wakeup(let tag, let payload):
            guard let span = tracing?.startSpan(tag, kind: .internal, parent: nil, at: now_ns) else { return [] }
            // Payload byte n: the event is about n spans, and says so in a notice.
            if let n = payload.first {
                tracing!.touch(span.context)
                if n > 1 { tracing!.touch(tracing!.startSpan("other", kind: .internal, parent: nil, at: now_ns).context) }
                return [.notice(OperatorNotice(.warn, "about \(n)", [("k", "v")]))]
            }
            tracing!.end(span, at: now_ns + 5)
            return []
        case .shutdown:
            return [.stop(exitCode: 0)]
        default:
            return []
        }
    }
}

final class SpanExportingTests: XCTestCase {
    private func wrapped(batch: Int = 2) throws -> SpanExporting<OneSpanPerWakeup> {
        var env = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=k1"]
        env["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "\(batch)"
        let config = try XCTUnwrap(try OTLPConfiguration.fromEnvironment(env, serviceName: "test").get())
        let entropy = SeededEntropy(seed: 7)
        let tracing = PipelineTracing(tracer: Tracer(sampler: config.sampler, entropy: entropy), wallOrigin_unixNano: 1_700_000_000_000_000_000)
        return SpanExporting(OneSpanPerWakeup(tracing: tracing), exporter: SpanExporter(configuration: config, entropy: entropy),
                             flushTimeout_ns: 3_000_000_000)
    }

    private func request(_ bytes: [UInt8]) throws -> HTTPRequest {
        var d = HTTPRequestDecoder()
        d.receive(bytes)
        guard case .message(let r) = d.next() else { throw XCTSkip("not one request") }
        return r
    }

    private func response(_ status: Int, _ headers: [(String, String)] = []) -> [UInt8] {
        var r = HTTPResponse.json(status, Array("{}".utf8))
        for (n, v) in headers { r.headers.add(n, v) }
        return HTTPSerializer.bytes(r)
    }

    func testSpansArePostedOnTheExportersOwnConnectionAndRetriedAfterA503() throws {
        var p = try wrapped()
        XCTAssertEqual(p.handle(.wakeup(tag: "a", payload: []), now_ns: 1_000), [.setTimer(SpanExporter.timerID, deadline_ns: 1_000 + 1_000_000_000)],
                       "one span waits for the batch delay")
        let effects = p.handle(.wakeup(tag: "b", payload: []), now_ns: 2_000)
        guard case .connect(let conn, host: "127.0.0.1", port: 4318)? = effects.first else { return XCTFail("\(effects)") }
        XCTAssertTrue(SpanExporter.owns(.connected(conn)), "the exporter's connection ids are its own")
        XCTAssertFalse(SpanExporter.owns(.connected(.outbound(1))), "an upstream connection is not")
        let writes = p.handle(.connected(conn), now_ns: 3_000)
        guard case .write(conn, let bytes)? = writes.first else { return XCTFail("\(writes)") }
        let post = try request(bytes)
        XCTAssertEqual(post.method, "POST")
        XCTAssertEqual(post.target, "/v1/traces")
        XCTAssertEqual(post.headers["content-type"], "application/json")
        XCTAssertEqual(post.headers["x-api-key"], "k1")
        XCTAssertTrue(String(decoding: post.body, as: UTF8.self).contains("\"name\":\"b\""))
        XCTAssertEqual(p.inner.handled, 2, "the exporter's events never reach the pipeline")

        let retry = p.handle(.received(conn, response(503, [("Retry-After", "2")])), now_ns: 4_000)
        XCTAssertEqual(retry, [.setTimer(SpanExporter.timerID, deadline_ns: 4_000 + 2_000_000_000)], "Retry-After honoured, connection kept")
        let again = p.handle(.timer(SpanExporter.timerID), now_ns: 4_000 + 2_000_000_000)
        guard case .write(conn, _)? = again.first else { return XCTFail("the retry reuses the kept-alive connection: \(again)") }
        _ = p.handle(.received(conn, response(200)), now_ns: 2_100_000_000)
        XCTAssertEqual(p.exporter.counters.exported, 2)
        XCTAssertEqual(p.exporter.counters.retries, 1)
        XCTAssertEqual(p.inner.handled, 2)
        XCTAssertEqual(p.inner.tracing?.exportCounters.exported, 2, "the counters reach the pipeline's /metrics after the exporter's own events too")
    }

    func testAStopWaitsForTheFlushThenGoesWithinTheFlushTimeout() throws {
        var p = try wrapped(batch: 100)
        _ = p.handle(.wakeup(tag: "a", payload: []), now_ns: 1_000)
        let stopping = p.handle(.shutdown, now_ns: 2_000)
        XCTAssertFalse(stopping.contains(.stop(exitCode: 0)), "held back while a span is queued")
        XCTAssertTrue(stopping.contains(.setTimer(SpanExporting<OneSpanPerWakeup>.flushTimer, deadline_ns: 2_000 + 3_000_000_000)))
        guard let conn = stopping.compactMap({ if case .connect(let c, _, _) = $0 { return c } else { return nil } }).first else {
            return XCTFail("drain sends at once, without the batch delay: \(stopping)")
        }
        // The collector is down: the connection is refused, the retry waits, the flush timeout ends it.
        _ = p.handle(.connectFailed(conn, reason: "refused"), now_ns: 3_000)
        let end = p.handle(.timer(SpanExporting<OneSpanPerWakeup>.flushTimer), now_ns: 2_000 + 3_000_000_000)
        XCTAssertEqual(end.last, .stop(exitCode: 0))
        XCTAssertEqual(p.exporter.counters.droppedShutdown, 1)
        XCTAssertEqual(p.inner.tracing?.exportCounters.droppedShutdown, 1)
        XCTAssertTrue(p.exporter.isIdle)

        var q = try wrapped(batch: 100)
        _ = q.handle(.wakeup(tag: "a", payload: []), now_ns: 1_000)
        let s = q.handle(.shutdown, now_ns: 2_000)
        guard case .connect(let c, _, _)? = s.first(where: { if case .connect = $0 { return true } else { return false } }) else { return XCTFail() }
        _ = q.handle(.connected(c), now_ns: 3_000)
        let done = q.handle(.received(c, response(200)), now_ns: 4_000)
        XCTAssertEqual(done.suffix(2), [.cancelTimer(SpanExporting<OneSpanPerWakeup>.flushTimer), .stop(exitCode: 0)], "exported: stops at once")
        XCTAssertEqual(q.exporter.counters.exported, 1)
    }

    func testANoticeAboutOneSpanCarriesItsIdsAndOneAboutSeveralDoesNot() throws {
        var p = try wrapped()
        guard case .notice(let one)? = p.handle(.wakeup(tag: "x", payload: [1]), now_ns: 1_000).first else { return XCTFail() }
        XCTAssertEqual(one.fields.map(\.0), ["k", "trace_id", "span_id"])
        XCTAssertEqual(one.fields[1].1.count, 32)
        XCTAssertEqual(one.fields[2].1.count, 16)
        guard case .notice(let several)? = p.handle(.wakeup(tag: "y", payload: [2]), now_ns: 2_000).first else { return XCTFail() }
        XCTAssertEqual(several.fields.map(\.0), ["k"], "a line about two jobs names no one trace")
        guard case .notice(let next)? = p.handle(.wakeup(tag: "z", payload: [1]), now_ns: 3_000).first else { return XCTFail() }
        XCTAssertEqual(next.fields.count, 3, "the current span is per event: cleared before each")
        XCTAssertNotEqual(next.fields[2].1, one.fields[2].1)
    }

    func testAnHTTPSEndpointIsRefusedWithAMessage() throws {
        let c = try XCTUnwrap(try OTLPConfiguration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "https://c.example"], serviceName: "t").get())
        XCTAssertTrue(SpanExporter.unsupportedEndpoint(c)?.contains("http://") == true)
        let h = try XCTUnwrap(try OTLPConfiguration.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c.example"], serviceName: "t").get())
        XCTAssertNil(SpanExporter.unsupportedEndpoint(h))
    }
}
