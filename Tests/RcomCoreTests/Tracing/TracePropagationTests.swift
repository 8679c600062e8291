import XCTest
import RcomCore

final class TracePropagationTests: XCTestCase {
    static let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    func testExtractFromHeaders() {
        let cases: [(String, [(String, String)], String?, String)] = [
            ("none", [], nil, ""),
            ("one traceparent", [("traceparent", Self.parent)], "00f067aa0ba902b7", ""),
            ("any case of name", [("TraceParent", Self.parent), ("TRACESTATE", "a=1")], "00f067aa0ba902b7", "a=1"),
            ("two tracestate fields are one list", [("traceparent", Self.parent), ("tracestate", "a=1"), ("tracestate", "b=2")], "00f067aa0ba902b7", "a=1,b=2"),
            ("duplicate key across fields", [("traceparent", Self.parent), ("tracestate", "a=1"), ("tracestate", "a=2")], "00f067aa0ba902b7", ""),
            ("two traceparent fields", [("traceparent", Self.parent), ("traceparent", Self.parent)], nil, ""),
            ("tracestate alone", [("tracestate", "a=1")], nil, ""),
        ]
        for (name, fields, parentSpan, state) in cases {
            let c = TraceContext.extract(from: HTTPHeaders(fields))
            XCTAssertEqual(c?.spanID.hex, parentSpan, name)
            XCTAssertEqual(c?.traceState.header ?? "", state, name)
        }
    }

    func testInjectReplacesWhatTheMessageCarried() throws {
        let tracer = Tracer(sampler: .alwaysOn, entropy: SeededEntropy(seed: 5))
        var incoming = try XCTUnwrap(TraceContext.extract(from: HTTPHeaders([("traceparent", Self.parent), ("tracestate", "a=1")])))
        let span = tracer.startSpan("upstream start", kind: .client, parent: incoming, start_unixNano: 1)
        var headers = HTTPHeaders([("traceparent", Self.parent), ("Tracestate", "old=1"), ("X-Other", "kept")])
        span.context.inject(into: &headers)
        XCTAssertEqual(headers.all("traceparent"), [span.context.traceparent])
        XCTAssertEqual(headers.all("tracestate"), ["a=1"])
        XCTAssertEqual(headers["x-other"], "kept")
        XCTAssertEqual(TraceContext.extract(from: headers)?.spanID, span.context.spanID, "the next hop's parent is this span")

        incoming.traceState = TraceState()
        let bare = tracer.startSpan("x", kind: .client, parent: incoming, start_unixNano: 1)
        bare.context.inject(into: &headers)
        XCTAssertTrue(headers.all("tracestate").isEmpty)
    }

    func testTheExportRequest() throws {
        let env = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/base",
                   "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20t0ken,content-type=text/plain,host=evil,x-scope=acme"]
        let config = try XCTUnwrap(try OTLPConfiguration.fromEnvironment(env, serviceName: "s").get())
        let r = OTLPExportRequest.make(Array("{}".utf8), configuration: config)
        XCTAssertEqual(r.method, "POST")
        XCTAssertEqual(r.target, "/base/v1/traces")
        XCTAssertEqual(r.headers.fields.map { "\($0.name): \($0.value)" },
                       ["Host: collector:4318", "Content-Type: application/json", "authorization: Bearer t0ken", "x-scope: acme"])
        XCTAssertEqual(r.body, Array("{}".utf8))
    }
}
