import XCTest
@testable import RcomCore

func response(_ status: Int, _ reason: String? = nil, _ version: HTTPVersion = .http11,
              _ headers: [(String, String)] = [], _ body: String = "") -> HTTPResponse {
    HTTPResponse(status: status, reason: reason, version: version, headers: HTTPHeaders(headers), body: bytes(body))
}

/// `heads[i]` says whether the i-th request sent on the connection was HEAD.
func responseEvents(_ input: [UInt8], heads: [Bool] = [], limits: HTTPLimits = .standard, _ feeding: Feeding,
                    eof: Bool = false) -> [HTTPDecoderEvent<HTTPResponse>] {
    var d = HTTPResponseDecoder(limits: limits)
    for h in heads { d.requestSent(isHead: h) }
    return drive(&d, input, feeding, eof: eof)
}

let nextResponseBytes = bytes("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
let nextResponse = response(200, "OK", .http11, [("Content-Length", "4")], "next")

/// Whole, byte by byte, and (when `trailing`) followed by a next response; each ends with EOF → closed.
func assertResponses(_ input: String, _ expected: [HTTPResponse], heads: [Bool] = [], trailing: Bool = true,
                     limits: HTTPLimits = .standard, file: StaticString = #filePath, line: UInt = #line) {
    for feeding in Feeding.allCases {
        XCTAssertEqual(responseEvents(bytes(input), heads: heads, limits: limits, feeding, eof: true),
                       expected.map { .message($0) } + [.closed], "\(feeding)", file: file, line: line)
        if trailing {
            XCTAssertEqual(responseEvents(bytes(input) + nextResponseBytes, heads: heads, limits: limits, feeding, eof: true),
                           (expected + [nextResponse]).map { .message($0) } + [.closed],
                           "\(feeding) + trailing response", file: file, line: line)
        }
    }
}

func assertResponseError(_ input: String, _ status: Int, heads: [Bool] = [], limits: HTTPLimits = .standard,
                         eof: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
    for feeding in Feeding.allCases {
        let events = responseEvents(bytes(input), heads: heads, limits: limits, feeding, eof: eof)
        guard case .error(let e)? = events.last else {
            XCTFail("\(feeding): expected error \(status), got \(events)", file: file, line: line)
            continue
        }
        XCTAssertEqual(e.status, status, "\(feeding): \(e.message)", file: file, line: line)
    }
}

final class HTTPResponseDecoderTests: XCTestCase {
    func testContentLengthResponse() {
        assertResponses("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
                        [response(200, "OK", .http11, [("Content-Type", "text/plain"), ("Content-Length", "5")], "hello")])
    }

    func testReasonPhrases() {
        assertResponses("HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n",
                        [response(404, "Not Found Here", .http11, [("Content-Length", "0")])])
        assertResponses("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", [response(200, "", .http11, [("Content-Length", "0")])])
        // The SP after the status code is required (RFC 9112 §4).
        assertResponseError("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 502)
        assertResponses("HTTP/1.1 200 \u{301}bien\r\nContent-Length: 0\r\n\r\n",
                        [response(200, "\u{301}bien", .http11, [("Content-Length", "0")])])
    }

    func testChunkedResponse() {
        assertResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n",
                        [response(200, "OK", .http11, [("Transfer-Encoding", "chunked")], "wikipedia")])
    }

    func testBodyUntilEOF() {
        // Without framing the body runs to the close, so a "next response" is body too.
        let input = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it\r\nHTTP/1.1 200 OK\r\n\r\n"
        for feeding in Feeding.allCases {
            XCTAssertEqual(responseEvents(bytes(input), feeding, eof: false), [], "\(feeding): waits for EOF")
            XCTAssertEqual(responseEvents(bytes(input), feeding, eof: true),
                           [.message(response(200, "OK", .http10, [("Content-Type", "text/plain")],
                                              "all of it\r\nHTTP/1.1 200 OK\r\n\r\n")), .closed], "\(feeding)")
        }
        assertResponses("HTTP/1.1 200 OK\r\n\r\n", [response(200, "OK")], trailing: false)
    }

    func testBodyLimitMeansABrokenPeer() {
        let limits = HTTPLimits(bodyBytesMax: 8)
        assertResponseError("HTTP/1.1 200 OK\r\n\r\n123456789", 502, limits: limits)
        var d = HTTPResponseDecoder(limits: limits)
        d.receive(bytes("HTTP/1.1 200 OK\r\n\r\n123456789"))
        guard case .error(let e) = d.next() else { return XCTFail("no error") }
        XCTAssertEqual(e.kind, .tooLarge)
        assertResponses("HTTP/1.1 200 OK\r\n\r\n12345678", [response(200, "OK", .http11, [], "12345678")],
                        trailing: false, limits: limits)
        assertResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n", 502, limits: limits)
    }

    func testNoBodyFor204And304EvenWithContentLength() {
        assertResponses("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
                        [response(204, "No Content", .http11, [("Content-Length", "7")])])
        assertResponses("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: \"x\"\r\n\r\n",
                        [response(304, "Not Modified", .http11, [("Content-Length", "100"), ("ETag", "\"x\"")])])
        assertResponses("HTTP/1.1 204 No Content\r\n\r\n", [response(204, "No Content")])
    }

    func testResponseToHEADHasNoBody() {
        // HEAD then GET: the first response's Content-Length describes a body that is not sent.
        assertResponses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", [response(200, "OK", .http11, [("Content-Length", "5")])],
                        heads: [true, false])
        assertResponses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
                        [response(200, "OK", .http11, [("Transfer-Encoding", "chunked")]),
                         response(200, "OK", .http11, [("Content-Length", "2")], "hi")],
                        heads: [true, false, false])
        // GET then HEAD: only the second is bodiless.
        assertResponses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
                        [response(200, "OK", .http11, [("Content-Length", "2")], "hi"),
                         response(200, "OK", .http11, [("Content-Length", "9")])],
                        heads: [false, true, false])
    }

    func testInterimResponsesAreSkipped() {
        assertResponses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
                        [response(200, "OK", .http11, [("Content-Length", "1")], "x")])
        assertResponses("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                        [response(201, "Created", .http11, [("Content-Length", "0")])])
        // An interim response does not use up the HEAD bookkeeping of the request it precedes.
        assertResponses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
                        [response(200, "OK", .http11, [("Content-Length", "3")])], heads: [true, false])
        var d = HTTPResponseDecoder()
        d.receive(HTTPSerializer.continueResponse)
        XCTAssertEqual(d.next(), .needData)
    }

    func testManyPipelinedResponses() {
        var input = ""
        var expected: [HTTPResponse] = []
        for i in 0..<100 {
            if i % 2 == 0 {
                input += "HTTP/1.1 200 OK\r\nContent-Length: \(String(i).utf8.count)\r\n\r\n\(i)"
                expected.append(response(200, "OK", .http11, [("Content-Length", "\(String(i).utf8.count)")], "\(i)"))
            } else {
                input += "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n\(i % 10)\r\n0\r\n\r\n"
                expected.append(response(202, "Accepted", .http11, [("Transfer-Encoding", "chunked")], "\(i % 10)"))
            }
        }
        assertResponses(input, expected)
    }

    func testKeepAlive() {
        XCTAssertTrue(response(200).keepAlive)
        XCTAssertFalse(response(200, nil, .http11, [("Connection", "close")]).keepAlive)
        XCTAssertFalse(response(200, nil, .http10).keepAlive)
        XCTAssertTrue(response(200, nil, .http10, [("Connection", "keep-alive")]).keepAlive)
    }

    func testMalformedStatusLinesAre502() {
        for line in ["HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK", "HTTP/1.1 099 Low", "HTTP/1.1 +20 OK",
                     "HTTP/1.1", "HTTP/1.1  200 OK", "HTTX/1.1 200 OK", "HTTP/2.0 200 OK", "200 OK"] {
            assertResponseError(line + "\r\nContent-Length: 0\r\n\r\n", 502)
        }
        // Byte-level faults in the head are found before the status line is read, with their own status.
        assertResponseError("HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n", 502)
        assertResponseError("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", 502)
        assertResponseError("HTTP/1.1 101 Switching Protocols\r\n\r\n", 502)
    }

    func testTransferEncodingNotEndingInChunkedIsReadUntilClose() {
        // RFC 9112 §6.3 item 4: the body runs to the close.
        for feeding in Feeding.allCases {
            XCTAssertEqual(responseEvents(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz"), feeding, eof: true),
                           [.message(response(200, "OK", .http11, [("Transfer-Encoding", "gzip")], "zzz")), .closed], "\(feeding)")
        }
    }

    func testMalformedHeadersAndFraming() {
        assertResponseError("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 junk\r\nab\r\n0\r\n\r\n", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n", 502)
        assertResponseError("HTTP/1.1 200 OK\r\nContent-Length: 9999999\r\n\r\n", 502)
        assertResponseError(String(repeating: "H", count: 9000), 502)
    }

    func testEOF() {
        assertResponseError("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 502, eof: true)
        assertResponseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 502, eof: true)
        assertResponseError("HTTP/1.1 200 OK\r\nContent-Le", 502, eof: true)
        var d = HTTPResponseDecoder()
        d.receive(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        XCTAssertEqual(d.next(), .message(response(200, "OK", .http11, [("Content-Length", "0")])))
        XCTAssertEqual(d.next(), .needData)
        d.receiveEOF()
        XCTAssertEqual(d.next(), .closed)
    }

    func testErrorIsPermanent() {
        var d = HTTPResponseDecoder()
        d.receive(bytes("HTTP/1.1 xyz Bad\r\n\r\n"))
        let first = d.next()
        guard case .error(let e) = first else { return XCTFail("expected an error, got \(first)") }
        XCTAssertEqual(e.status, 502)
        d.receive(nextResponseBytes)
        XCTAssertEqual(d.next(), first)
        d.receiveEOF()
        XCTAssertEqual(d.next(), first)
    }
}
