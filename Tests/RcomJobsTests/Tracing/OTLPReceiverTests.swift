import Foundation
import XCTest
import RcomCore

/// What rcom's OTLP/JSON encoder writes, decoded by the official definitions (PyPI's
/// opentelemetry-proto through google.protobuf.json_format, unknown fields refused) in a real
/// receiver on loopback: the tree, ids, kinds, times, status and attributes must come back.
final class OTLPReceiverTests: XCTestCase {
    private func directory() -> String {
        let path = NSTemporaryDirectory() + "rcom-otlp-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func post(_ body: [UInt8], port: Int) throws -> HTTPResponse {
        try BlockingHTTP.post(port: port, path: "/v1/traces", json: String(decoding: body, as: UTF8.self))
    }

    /// client (remote, in the traceparent) → proxy job (server) → upstream start (client, 502)
    /// and the callback (internal, with an event), as the proxy will record them.
    private func tree() throws -> (incoming: TraceContext, spans: [SpanData]) {
        var incoming = try TraceContext.parse(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").get()
        incoming.traceState = TraceState.parse("congo=t61rcWkgMzE")!
        let tracer = Tracer(sampler: .parentBased(root: .alwaysOff), entropy: SeededEntropy(seed: 26))
        let t0: UInt64 = 1_765_000_000_000_000_000
        var job = tracer.startSpan("POST /jobs", kind: .server, parent: incoming, start_unixNano: t0,
                                   attributes: [SpanAttribute("http.request.method", .string("POST")), SpanAttribute("rcom.job.bytes", .int(1234))])
        var upstream = tracer.startSpan("upstream start", kind: .client, parent: job.context, start_unixNano: t0 + 1_000_000)
        upstream.setAttribute("server.address", .string("127.0.0.1"))
        upstream.setAttribute("rcom.retry", .bool(false))
        upstream.setStatus(SpanStatus(.error, message: "upstream answered 502: \"bad gateway\"\n"))
        var callback = tracer.startSpan("callback", kind: .internal, parent: job.context, start_unixNano: t0 + 3_000_000_000)
        callback.addEvent("callback arrived", at: t0 + 3_000_000_500, attributes: [SpanAttribute("rcom.wait_s", .double(2.5))])
        job.setStatus(SpanStatus(.error, message: "502"))
        let spans = [try XCTUnwrap(upstream.end(at: t0 + 2_000_000)), try XCTUnwrap(callback.end(at: t0 + 3_000_001_000)),
                     try XCTUnwrap(job.end(at: t0 + 3_000_002_000))]
        return (incoming, spans)
    }

    func testTheEncodedTreeDecodesWithTheOfficialDefinitions() throws {
        let receiver = try OTLPReceiverProcess(directory: directory())
        defer { receiver.stop() }
        let (incoming, sent) = try tree()
        let resource = OTLPResource(serviceName: "rcom-proxy", attributes: [SpanAttribute("deployment.environment", .string("test"))], scopeVersion: "0.test")
        let response = try post(OTLPJSONEncoder.body(sent, resource: resource), port: receiver.port)
        XCTAssertEqual(response.status, 200, receiver.log + String(decoding: response.body, as: UTF8.self))

        let got = try receiver.spans()
        XCTAssertEqual(got.count, 3, receiver.log)
        let byName = Dictionary(uniqueKeysWithValues: got.map { ($0["name"] as? String ?? "", $0) })
        let job = try XCTUnwrap(byName["POST /jobs"]), upstream = try XCTUnwrap(byName["upstream start"]), callback = try XCTUnwrap(byName["callback"])
        for (span, data) in zip([upstream, callback, job], sent) {
            XCTAssertEqual(span["trace_id"] as? String, incoming.traceID.hex, "one trace id")
            XCTAssertEqual(span["span_id"] as? String, data.context.spanID.hex)
            XCTAssertEqual((span["start_time_unix_nano"] as? NSNumber)?.uint64Value, data.start_unixNano)
            XCTAssertEqual((span["end_time_unix_nano"] as? NSNumber)?.uint64Value, data.end_unixNano)
            XCTAssertEqual(span["trace_state"] as? String, "congo=t61rcWkgMzE")
            XCTAssertEqual(span["resource"] as? [String: String], ["service.name": "rcom-proxy", "deployment.environment": "test"])
            XCTAssertEqual(span["scope"] as? [String: String], ["name": "rcom", "version": "0.test"])
        }
        XCTAssertEqual(job["parent_span_id"] as? String, incoming.spanID.hex, "the caller's span is the job's parent")
        XCTAssertEqual(upstream["parent_span_id"] as? String, job["span_id"] as? String)
        XCTAssertEqual(callback["parent_span_id"] as? String, job["span_id"] as? String)
        XCTAssertEqual(job["flags"] as? Int, 0x301, "sampled; the parent is known to be remote")
        XCTAssertEqual(upstream["flags"] as? Int, 0x101)
        XCTAssertEqual([job, upstream, callback].map { $0["kind"] as? String }, ["SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_INTERNAL"])
        XCTAssertEqual(upstream["status"] as? [String: String], ["code": "STATUS_CODE_ERROR", "message": "upstream answered 502: \"bad gateway\"\n"])
        XCTAssertEqual(callback["status"] as? [String: String], ["code": "STATUS_CODE_UNSET", "message": ""])
        let jobAttributes = try XCTUnwrap(job["attributes"] as? [String: Any])
        XCTAssertEqual(jobAttributes["http.request.method"] as? String, "POST")
        XCTAssertEqual((jobAttributes["rcom.job.bytes"] as? NSNumber)?.intValue, 1234)
        XCTAssertEqual((upstream["attributes"] as? [String: Any])?["rcom.retry"] as? Bool, false)
        let events = try XCTUnwrap(callback["events"] as? [[String: Any]])
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?["name"] as? String, "callback arrived")
        XCTAssertEqual((events.first?["time_unix_nano"] as? NSNumber)?.uint64Value, sent[1].events[0].time_unixNano)
        XCTAssertEqual(((events.first?["attributes"] as? [String: Any])?["rcom.wait_s"] as? NSNumber)?.doubleValue, 2.5)
    }

    func testTheReceiverRefusesWhatTheDefinitionsDoNotHold() throws {
        let receiver = try OTLPReceiverProcess(directory: directory())
        defer { receiver.stop() }
        let good = String(decoding: OTLPJSONEncoder.body(try tree().spans, resource: OTLPResource(serviceName: "s")), as: UTF8.self)
        let bad = [
            good.replacingOccurrences(of: "\"kind\":2", with: "\"kind\":2,\"bogus\":1"),
            good.replacingOccurrences(of: "\"traceId\":\"4bf92f35", with: "\"traceId\":\"4BF92F35"),
            good.replacingOccurrences(of: "\"startTimeUnixNano\":\"", with: "\"startTimeUnixNano\":\"x"),
        ]
        for body in bad {
            let r = try BlockingHTTP.post(port: receiver.port, path: "/v1/traces", json: body)
            XCTAssertEqual(r.status, 400, String(decoding: r.body, as: UTF8.self))
        }
        XCTAssertTrue(try receiver.spans().isEmpty)
    }

    /// The export stage's effects carried out for real: the receiver fails the first two
    /// requests with 503 and Retry-After: 0, and the same batch gets through on the third.
    func testTheExportStageRetriesAgainstARealReceiver() throws {
        let receiver = try OTLPReceiverProcess(directory: directory(), arguments: ["--fail-first", "2", "--retry-after", "0"])
        defer { receiver.stop() }
        var limits = SpanExportLimits()
        limits.maxBatch = 3
        var stage = SpanExportStage(resource: OTLPResource(serviceName: "s"), limits: limits, entropy: SeededEntropy(seed: 1))
        var now: Instant_ns = 1_000
        var pending: [SpanExportStage.Effect] = []
        for span in try tree().spans { pending += stage.add(span, now_ns: now) }
        var statuses: [Int] = []
        for _ in 0..<10 where !stage.isIdle {
            var timer: Instant_ns?
            var next: [SpanExportStage.Effect] = []
            for effect in pending {
                switch effect {
                case .send(let id, let body):
                    let r = try post(body, port: receiver.port)
                    statuses.append(r.status)
                    let retryAfter = r.headers["retry-after"].flatMap { UInt64($0) }.map { $0 * 1_000_000_000 }
                    next += stage.finished(id, .answered(status: r.status, retryAfter_ns: retryAfter), now_ns: now)
                case .armTimer(let at): timer = at
                case .cancelTimer: timer = nil
                case .abandon: XCTFail("nothing should time out")
                }
            }
            if next.isEmpty, let t = timer {
                now = max(now, t)
                next = stage.timerFired(now_ns: now)
            }
            pending = next
        }
        XCTAssertEqual(statuses, [503, 503, 200])
        XCTAssertEqual(stage.counters.exported, 3)
        XCTAssertEqual(stage.counters.retries, 2)
        XCTAssertEqual(try receiver.spans().count, 3)
    }
}
