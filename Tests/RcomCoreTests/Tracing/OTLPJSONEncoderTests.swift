import Foundation
import XCTest
import RcomCore

final class OTLPJSONEncoderTests: XCTestCase {
    static func span(parent: SpanID?, remote: Bool = false, status: SpanStatus = .unset) -> SpanData {
        SpanData(context: TraceContext(traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736)!,
                                       spanID: SpanID(raw: 0x00f0_67aa_0ba9_02b7)!, flags: .sampled,
                                       traceState: TraceState.parse("congo=t61rcWkgMzE")!),
                 parentSpanID: parent, parentIsRemote: remote, name: "POST /jobs", kind: .server,
                 start_unixNano: 1_765_000_000_123_456_789, end_unixNano: 1_765_000_004_000_000_000,
                 attributes: [SpanAttribute("http.response.status_code", .int(502)), SpanAttribute("rcom.fault", .bool(true)),
                              SpanAttribute("ratio", .double(0.25)), SpanAttribute("note", .string("quote \" back\\ nl\n"))],
                 droppedAttributes: 2,
                 events: [SpanEvent(name: "callback", time_unixNano: 1_765_000_003_000_000_000, attributes: [SpanAttribute("n", .int(-1))])],
                 status: status)
    }

    func testTheWireShapeFieldByField() {
        let resource = OTLPResource(serviceName: "rcom-proxy", attributes: [SpanAttribute("deployment.environment", .string("test")),
                                                                            SpanAttribute("service.name", .string("ignored"))],
                                    scopeVersion: "1.2.3")
        let body = String(decoding: OTLPJSONEncoder.body([Self.span(parent: SpanID(raw: 0xab)!, remote: true, status: SpanStatus(.error, message: "upstream refused"))],
                                                         resource: resource), as: UTF8.self)
        let expected = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"rcom-proxy"}},"#
            + #"{"key":"deployment.environment","value":{"stringValue":"test"}}]},"scopeSpans":[{"scope":{"name":"rcom","version":"1.2.3"},"spans":["#
            + #"{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","traceState":"congo=t61rcWkgMzE","#
            + #""parentSpanId":"00000000000000ab","flags":769,"name":"POST /jobs","kind":2,"#
            + #""startTimeUnixNano":"1765000000123456789","endTimeUnixNano":"1765000004000000000","#
            + #""attributes":[{"key":"http.response.status_code","value":{"intValue":"502"}},{"key":"rcom.fault","value":{"boolValue":true}},"#
            + #"{"key":"ratio","value":{"doubleValue":0.25}},{"key":"note","value":{"stringValue":"quote \" back\\ nl\n"}}],"#
            + #""droppedAttributesCount":2,"events":[{"timeUnixNano":"1765000003000000000","name":"callback","attributes":[{"key":"n","value":{"intValue":"-1"}}]}],"#
            + #""status":{"message":"upstream refused","code":2}}]}]}]}"#
        XCTAssertEqual(body, expected)
    }

    func testDefaultsAreLeftOutAndTheBodyIsJSON() throws {
        let bodies = [
            OTLPJSONEncoder.body([Self.span(parent: nil)], resource: OTLPResource(serviceName: "s")),
            OTLPJSONEncoder.body([SpanData](), resource: OTLPResource(serviceName: "s")),
            OTLPJSONEncoder.body([Self.span(parent: nil), Self.span(parent: SpanID(raw: 1)!, status: SpanStatus(.ok, message: "dropped"))],
                                 resource: OTLPResource(serviceName: "s")),
        ]
        let spanCounts = [1, 0, 2]
        for (body, count) in zip(bodies, spanCounts) {
            let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
            let rs = try XCTUnwrap((doc["resourceSpans"] as? [[String: Any]])?.first)
            let spans = try XCTUnwrap(((rs["scopeSpans"] as? [[String: Any]])?.first?["spans"]) as? [[String: Any]])
            XCTAssertEqual(spans.count, count)
            if let root = spans.first {
                XCTAssertNil(root["parentSpanId"], "a root span has no parentSpanId")
                XCTAssertNil(root["status"], "an unset status is left out")
                XCTAssertEqual(root["flags"] as? Int, 0x101, "sampled, parent-is-remote known and false")
            }
            if count == 2 {
                XCTAssertEqual(spans[1]["status"] as? [String: Int], ["code": 1], "ok carries no message")
            }
        }
    }

    func testNonFiniteDoublesUseTheProtobufJSONStrings() {
        XCTAssertEqual(OTLPJSONEncoder.body([SpanData](), resource: OTLPResource(serviceName: "a\u{1}b")),
                       Array(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a\u0001b"}}]},"scopeSpans":[{"scope":{"name":"rcom"},"spans":[]}]}]}"#.utf8))
        var s = Self.span(parent: nil)
        s.attributes = [SpanAttribute("a", .double(.nan)), SpanAttribute("b", .double(-.infinity)), SpanAttribute("c", .double(1e-7))]
        let text = String(decoding: OTLPJSONEncoder.body([s], resource: OTLPResource(serviceName: "s")), as: UTF8.self)
        XCTAssertTrue(text.contains(#"{"key":"a","value":{"doubleValue":"NaN"}},{"key":"b","value":{"doubleValue":"-Infinity"}},{"key":"c","value":{"doubleValue":1e-07}}"#), text)
    }
}
