import XCTest
@testable import RcomCore

/// The strict choices of design/http-verdicts.md that earlier versions of the codec read leniently.
final class HTTPStrictFramingTests: XCTestCase {
    private let chunkedHead = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

    func testChunkExtensionsFollowTheirGrammar() {
        for line in ["5;a=b", "5 ;a=b", "5;a", "5;a;b=c", "5; a = \"q\\\"x\"", "5;a=\"\"", "0005"] {
            assertRequests(chunkedHead + "\(line)\r\nhello\r\n0\r\n\r\n",
                           [request("POST", "/", [("Host", "a"), ("Transfer-Encoding", "chunked")], "hello")])
        }
        for line in ["2 erfrferferf", "2;", "2;a=\"x", "2;a\u{0}", "2;a\rb", "2 ", "2;a ", "2;a=", "0x2", "", " 2", "+2", "2;=b"] {
            assertRequestError(chunkedHead + "\(line)\r\nab\r\n0\r\n\r\n", 400)
        }
    }

    func testLeadingZerosOfAChunkSizeDoNotCount() {
        assertRequests(chunkedHead + "000000000000003f\r\n" + String(repeating: "x", count: 63) + "\r\n0\r\n\r\n",
                       [request("POST", "/", [("Host", "a"), ("Transfer-Encoding", "chunked")], String(repeating: "x", count: 63))])
        assertRequestError(chunkedHead + "fffffffffffffffffff\r\n", 413)
    }

    func testTrailersAreReadByTheFieldLineGrammar() {
        assertRequests(chunkedHead + "0\r\nX-Check: 1\r\nY: \r\n\r\n",
                       [request("POST", "/", [("Host", "a"), ("Transfer-Encoding", "chunked")])])
        for trailer in ["no colon", "X-A: b\rc", "X-A: \u{0}", "X-A : b", " folded", ": empty name", "X-A: b\nY: c"] {
            assertRequestError(chunkedHead + "0\r\n\(trailer)\r\n\r\n", 400)
        }
    }

    func testARequestAfterTheLastChunkWithoutBlankLineIsNotSwallowed() {
        // `0\r\n` then a request line: read as a trailer it has no colon, so it is refused,
        // never silently dropped (which would hide the request from a front end that saw it).
        assertRequestError(chunkedHead + "0\r\nGET /hidden HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testInputThatIsNotHTTPIsRefusedBeforeALineEnds() {
        for prefix: [UInt8] in [[0], [32], [0x16, 0x03, 0x01, 0x02, 0x00], Array("GET\t/".utf8), Array("G@T".utf8)] {
            for feeding in Feeding.allCases {
                let events = requestEvents(prefix, feeding)
                guard case .error(let e)? = events.last else { return XCTFail("\(prefix) \(feeding): \(events)") }
                XCTAssertEqual(e.status, 400)
            }
        }
        // A method still arriving is not refused.
        XCTAssertEqual(requestEvents(bytes("POS"), .byteByByte), [])
    }

    func testTargetForms() {
        assertRequests("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", [request("OPTIONS", "*", [("Host", "a")])])
        assertRequestError("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET healthz HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequests("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n", [request("CONNECT", "a.test:443", [("Host", "a.test:443")])])
        guard case .message(let r)? = requestEvents(bytes("GET HTTP://host:1/healthz?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"), .whole).first else {
            return XCTFail("absolute-form refused")
        }
        XCTAssertEqual(r.path, "/healthz")
        XCTAssertEqual(r.originTarget, "/healthz?x=1")
        guard case .message(let bare)? = requestEvents(bytes("GET http://host?q HTTP/1.1\r\nHost: h\r\n\r\n"), .whole).first else {
            return XCTFail("absolute-form without a path refused")
        }
        XCTAssertEqual(bare.originTarget, "/?q")
    }

    func testErrorsCarryAKind() {
        var d = HTTPRequestDecoder()
        d.receive(bytes("GET / HTTP/1.1\r\nHo"))
        XCTAssertEqual(d.next(), .needData)
        d.receiveEOF()
        guard case .error(let e) = d.next() else { return XCTFail("no error") }
        XCTAssertEqual(e.kind, .truncated)
        var big = HTTPRequestDecoder(limits: HTTPLimits(headerCountMax: 1))
        big.receive(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n"))
        guard case .error(let tooMany) = big.next() else { return XCTFail("no error") }
        XCTAssertEqual(tooMany.kind, .tooLarge)
    }

    func testTheSplitNeverChangesWhichFaultIsReported() {
        // Found by scripts/fuzz-http: a start line past its bound that also ends in a bare LF was
        // 400 when read whole (the LF seen first) and 414 byte by byte (the bound seen first).
        let limits = HTTPLimits(startLineBytesMax: 16, headerBytesMax: 32)
        for input in ["GET /0123456789abcdef HTTP/1.1\nHost: a\r\n\r\n",
                      "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789abcdef0123456789\nY: b\r\n\r\n",
                      // A bare CR right at the header bound: 400 whole, was 431 byte by byte.
                      "GET / HTTP/1.1\r\nHost: 0123456789abcdefghijklmn\r\n\rX"] {
            let statuses = Feeding.allCases.map { feeding -> Int? in
                guard case .error(let e)? = requestEvents(bytes(input), limits: limits, feeding).last else { return nil }
                return e.status
            }
            XCTAssertEqual(Set(statuses).count, 1, "\(input): \(statuses)")
            XCTAssertNotNil(statuses[0])
        }
    }
}
