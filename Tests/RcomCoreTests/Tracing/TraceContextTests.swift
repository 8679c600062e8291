import XCTest
import RcomCore

final class TraceContextTests: XCTestCase {
    static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    func testTraceparentParsesStrictly() {
        let cases: [(String, String, TraceparentError?)] = [
            ("the W3C example", Self.valid, nil),
            ("unsampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", nil),
            ("surrounding white space", " \(Self.valid)\t", nil),
            ("a higher version with a further field", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds", nil),
            ("a higher version, 55 characters", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", nil),
            ("version 00 with a further field", Self.valid + "-00", .length(58)),
            ("a higher version glued to more text", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", .separator),
            ("version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", .version),
            ("upper-case version", "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", .version),
            ("empty", "", .length(0)),
            ("short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", .length(54)),
            ("upper-case trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", .traceIDDigits),
            ("all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", .zeroTraceID),
            ("all-zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", .zeroParentID),
            ("upper-case parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", .parentIDDigits),
            ("non-hex flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", .flags),
            ("upper-case flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A", .flags),
            ("underscores for dashes", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", .separator),
            ("a plus sign in the trace id", "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", .traceIDDigits),
        ]
        for (name, text, expected) in cases {
            switch TraceContext.parse(traceparent: text) {
            case .success(let c):
                XCTAssertNil(expected, name)
                XCTAssertEqual(c.traceID.hex, "4bf92f3577b34da6a3ce929d0e0e4736", name)
                XCTAssertEqual(c.spanID.hex, "00f067aa0ba902b7", name)
                XCTAssertTrue(c.isRemote, name)
            case .failure(let e):
                XCTAssertEqual(e, expected, name)
                XCTAssertFalse(e.description.isEmpty, name)
            }
        }
    }

    func testFormatRoundTripsAndAlwaysWritesVersion00() throws {
        let c = try TraceContext.parse(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-x").get()
        XCTAssertEqual(c.traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09")
        XCTAssertTrue(c.sampled)
        XCTAssertEqual(c.flags.rawValue, 0x09, "flags rcom does not understand are carried, not dropped")
        let again = try TraceContext.parse(traceparent: c.traceparent).get()
        XCTAssertEqual(again, c)
    }

    func testTracestateGrammar() {
        let cases: [(String, [String]?)] = [
            ("congo=t61rcWkgMzE", ["congo=t61rcWkgMzE"]),
            ("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", ["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"]),
            (" rojo=1 , ,congo=2,", ["rojo=1", "congo=2"]),
            ("tenant1@vendor=x", ["tenant1@vendor=x"]),
            ("1tenant@vendor=x", ["1tenant@vendor=x"]),
            ("a_b-c*d/e=value with spaces", ["a_b-c*d/e=value with spaces"]),
            ("", []),
            ("Upper=1", nil),
            ("1simple=1", nil),
            ("key", nil),
            ("key=", nil),
            ("key=trailing ", ["key=trailing"]),
            ("key=del\u{7f}", nil),
            ("key=a=b", nil),
            ("k=1,k=2", nil),
            ("tenant@Vendor=1", nil),
            ("tenant@vendorname0123456=1", nil),
            ("k=caf\u{e9}", nil),
            ((1...33).map { "k\($0)=v" }.joined(separator: ","), nil),
        ]
        for (text, members) in cases {
            let parsed = TraceState.parse(text)
            XCTAssertEqual(parsed.map { $0.members.map { "\($0.key)=\($0.value)" } }, members, text)
            if let parsed {
                XCTAssertEqual(TraceState.parse(parsed.header), parsed, "re-parses: \(text)")
                XCTAssertEqual(parsed.headerLength, parsed.header.utf8.count, text)
            }
        }
        XCTAssertEqual(TraceState.parse((1...32).map { "k\($0)=v" }.joined(separator: ","))?.members.count, 32)
    }

    func testExtractStartsANewTraceOnAnInvalidTraceparentAndDropsOnlyAnInvalidTracestate() {
        XCTAssertNil(TraceContext.extract(traceparent: nil, tracestate: "a=1"))
        XCTAssertNil(TraceContext.extract(traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01", tracestate: "a=1"))
        let kept = TraceContext.extract(traceparent: Self.valid, tracestate: "a=1,b=2")
        XCTAssertEqual(kept?.traceState.header, "a=1,b=2")
        let dropped = TraceContext.extract(traceparent: Self.valid, tracestate: "a=1,a=2")
        XCTAssertEqual(dropped?.traceID.hex, "4bf92f3577b34da6a3ce929d0e0e4736", "an invalid tracestate does not lose the trace")
        XCTAssertEqual(dropped?.traceState.isEmpty, true)
    }
}
