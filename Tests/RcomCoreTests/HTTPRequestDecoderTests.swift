import XCTest
@testable import RcomCore

// MARK: - Shared helpers for the codec tests (h11 style: whole, byte by byte, with trailing data)

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The two decoders behind one face, so every helper works for both.
protocol HTTPTestDecoder {
    associatedtype Message: Equatable & Sendable
    mutating func receive<C: Collection>(_ bytes: C) where C.Element == UInt8
    mutating func receiveEOF()
    mutating func next() -> HTTPDecoderEvent<Message>
}
extension HTTPRequestDecoder: HTTPTestDecoder {}
extension HTTPResponseDecoder: HTTPTestDecoder {}

enum Feeding: CaseIterable {
    case whole
    case byteByByte
}

/// Feeds `input` (whole or one byte per `receive`), calling `next()` until it is not `.needData`
/// after each receive, then EOF if asked. Returns every event except `.needData`; stops at the
/// first `.closed` or `.error`.
func drive<D: HTTPTestDecoder>(_ decoder: inout D, _ input: [UInt8], _ feeding: Feeding,
                               eof: Bool) -> [HTTPDecoderEvent<D.Message>] {
    var events: [HTTPDecoderEvent<D.Message>] = []
    func drain() -> Bool {
        for _ in 0..<100_000 {
            let e = decoder.next()
            switch e {
            case .needData: return true
            case .closed, .error: events.append(e); return false
            case .message, .expectContinue: events.append(e)
            }
        }
        XCTFail("decoder kept producing events")
        return false
    }
    let chunks: [ArraySlice<UInt8>] = feeding == .whole ? [input[...]] : input.indices.map { input[$0...$0] }
    for chunk in chunks {
        decoder.receive(chunk)
        if !drain() { return events }
    }
    if eof {
        decoder.receiveEOF()
        _ = drain()
    }
    return events
}

func requestEvents(_ input: [UInt8], limits: HTTPLimits = .standard, _ feeding: Feeding,
                   eof: Bool = false) -> [HTTPDecoderEvent<HTTPRequest>] {
    var d = HTTPRequestDecoder(limits: limits)
    return drive(&d, input, feeding, eof: eof)
}

/// Without the `.expectContinue` events (which depend on how the bytes were split).
func messagesOnly<M>(_ events: [HTTPDecoderEvent<M>]) -> [HTTPDecoderEvent<M>] {
    events.filter { $0 != .expectContinue }
}

func request(_ method: String, _ target: String, _ version: HTTPVersion,
             _ headers: [(String, String)], _ body: String = "") -> HTTPRequest {
    HTTPRequest(method: method, target: target, version: version, headers: HTTPHeaders(headers), body: bytes(body))
}

func request(_ method: String, _ target: String, _ headers: [(String, String)], _ body: String = "") -> HTTPRequest {
    request(method, target, .http11, headers, body)
}

let nextRequestBytes = bytes("GET /next HTTP/1.1\r\nHost: n\r\n\r\n")
let nextRequest = request("GET", "/next", [("Host", "n")])

/// Checks a valid input whole, byte by byte, and followed by the bytes of a next pipelined request,
/// each time ending with EOF → `.closed`.
func assertRequests(_ input: String, _ expected: [HTTPRequest], limits: HTTPLimits = .standard,
                    file: StaticString = #filePath, line: UInt = #line) {
    let want = expected.map { HTTPDecoderEvent<HTTPRequest>.message($0) } + [.closed]
    let wantTrailing = (expected + [nextRequest]).map { HTTPDecoderEvent<HTTPRequest>.message($0) } + [.closed]
    for feeding in Feeding.allCases {
        XCTAssertEqual(messagesOnly(requestEvents(bytes(input), limits: limits, feeding, eof: true)), want,
                       "\(feeding)", file: file, line: line)
        XCTAssertEqual(messagesOnly(requestEvents(bytes(input) + nextRequestBytes, limits: limits, feeding, eof: true)),
                       wantTrailing, "\(feeding) + trailing request", file: file, line: line)
    }
}

/// Checks that an input fails with `status`, whole and byte by byte, with and without trailing bytes.
func assertRequestError(_ input: [UInt8], _ status: Int, limits: HTTPLimits = .standard, eof: Bool = false,
                        file: StaticString = #filePath, line: UInt = #line) {
    for feeding in Feeding.allCases {
        for trailing in [[], nextRequestBytes] {
            let events = messagesOnly(requestEvents(input + (eof ? [] : trailing), limits: limits, feeding, eof: eof))
            guard case .error(let e)? = events.last else {
                XCTFail("\(feeding): expected error \(status), got \(events)", file: file, line: line)
                continue
            }
            XCTAssertEqual(e.status, status, "\(feeding): \(e.message)", file: file, line: line)
            XCTAssertFalse(events.dropLast().contains { if case .error = $0 { true } else { false } }, file: file, line: line)
        }
    }
}

func assertRequestError(_ input: String, _ status: Int, limits: HTTPLimits = .standard, eof: Bool = false,
                        file: StaticString = #filePath, line: UInt = #line) {
    assertRequestError(bytes(input), status, limits: limits, eof: eof, file: file, line: line)
}

// MARK: - Request decoder

final class HTTPRequestDecoderTests: XCTestCase {
    func testSimpleGet() {
        assertRequests("GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
                       [request("GET", "/index.html?q=1", [("Host", "example.com"), ("Accept", "*/*")])])
    }

    func testFieldsAndPath() {
        guard case .message(let r)? = requestEvents(bytes("DELETE /a/b?x=y HTTP/1.1\r\nHost: h\r\n\r\n"), .whole).first else {
            return XCTFail("no message")
        }
        XCTAssertEqual(r.method, "DELETE")
        XCTAssertEqual(r.target, "/a/b?x=y")
        XCTAssertEqual(r.path, "/a/b")
        XCTAssertEqual(r.version, .http11)
        XCTAssertEqual(r.body, [])
    }

    func testBareLFLineEndingsAreRefused() {
        // A CRLF-only front end would read `Dummy: x\nContent-Length: 23` as one field (smuggling).
        assertRequestError("GET / HTTP/1.1\nHost: a\n\n", 400)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nDummy: x\nContent-Length: 23\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\n\n", 400)
    }

    func testHeaderValueWhitespaceIsTrimmed() {
        assertRequests("GET / HTTP/1.1\r\nHost:a\r\nX-A: \t spaced value \t\r\nX-Empty:\r\n\r\n",
                       [request("GET", "/", [("Host", "a"), ("X-A", "spaced value"), ("X-Empty", "")])])
    }

    func testUTF8HeaderValueIsKeptByteForByte() {
        // " " + U+0301 is one Character; trimming must still remove only the space.
        assertRequests("GET / HTTP/1.1\r\nHost: a\r\nX-Name: \u{301}caf\u{E9}\r\n\r\n",
                       [request("GET", "/", [("Host", "a"), ("X-Name", "\u{301}caf\u{E9}")])])
    }

    func testContentLengthBody() {
        assertRequests("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
                       [request("POST", "/submit", [("Host", "a"), ("Content-Length", "11")], "hello world")])
    }

    func testZeroContentLength() {
        assertRequests("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                       [request("POST", "/", [("Host", "a"), ("Content-Length", "0")])])
    }

    func testBodyBytesThatLookLikeARequestStayInTheBody() {
        let body = "GET /x HTTP/1.1\r\n\r\n"
        assertRequests("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
                       [request("POST", "/", [("Host", "a"), ("Content-Length", "\(body.utf8.count)")], body)])
    }

    func testChunkedBodyWithExtensionsAndTrailers() {
        let input = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; other\r\n world\r\nA\r\n0123456789\r\n0;last\r\nX-Trailer: t\r\nX-More: m\r\n\r\n"
        assertRequests(input, [request("POST", "/c", [("Host", "a"), ("Transfer-Encoding", "chunked")], "hello world0123456789")])
    }

    func testChunkedBodyEmptyAndBareLFRefused() {
        assertRequests("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
                       [request("POST", "/", [("Host", "a"), ("Transfer-Encoding", "Chunked")])])
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertRequestError(head + "3\nabc\r\n0\r\n\r\n", 400)
        assertRequestError(head + "3\r\nabc\n0\r\n\r\n", 400)
        assertRequestError(head + "0\r\n\n", 400)
    }

    func testTwoChunkedRequestsBackToBack() {
        let one = "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
        let two = "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\nT: x\r\n\r\n"
        assertRequests(one + two, [request("POST", "/1", [("Host", "a"), ("Transfer-Encoding", "chunked")], "ab"),
                                   request("POST", "/2", [("Host", "a"), ("Transfer-Encoding", "chunked")], "c")])
    }

    func testCaseInsensitiveHeaderNames() {
        let input = "PUT /x HTTP/1.1\r\nhOsT: a\r\nCONTENT-length: 3\r\n\r\nabc"
        assertRequests(input, [request("PUT", "/x", [("hOsT", "a"), ("CONTENT-length", "3")], "abc")])
        guard case .message(let r)? = requestEvents(bytes(input), .whole).first else { return XCTFail("no message") }
        XCTAssertEqual(r.headers["Host"], "a")
        XCTAssertEqual(r.headers.first("content-length"), "3")
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", 400)
    }

    func testKeepAliveRules() {
        func keepAlive(_ head: String) -> Bool? {
            guard case .message(let r)? = requestEvents(bytes(head + "\r\n"), .whole).first else { return nil }
            return r.keepAlive
        }
        XCTAssertEqual(keepAlive("GET / HTTP/1.1\r\nHost: a\r\n"), true)
        XCTAssertEqual(keepAlive("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"), false)
        XCTAssertEqual(keepAlive("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n"), false)
        XCTAssertEqual(keepAlive("GET / HTTP/1.0\r\n"), false)
        XCTAssertEqual(keepAlive("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n"), true)
        XCTAssertEqual(keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\nconnection: close\r\n"), false)
    }

    func testConnectionCloseRequestIsStillDecodedWithFollowingBytes() {
        // The decoder reports the header; closing is the caller's decision.
        assertRequests("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                       [request("GET", "/", [("Host", "a"), ("Connection", "close")])])
    }

    func testHTTP10NeedsNoHost() {
        assertRequests("GET / HTTP/1.0\r\n\r\n", [request("GET", "/", .http10, [])])
        assertRequests("POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nok",
                       [request("POST", "/", .http10, [("Content-Length", "2")], "ok")])
    }

    func testLeadingEmptyLinesAreSkipped() {
        assertRequests("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", [request("GET", "/", [("Host", "a")])])
        assertRequestError("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testHundredPipelinedRequestsInOneReceive() {
        var input = ""
        var expected: [HTTPRequest] = []
        for i in 0..<100 {
            if i % 3 == 0 {
                input += "POST /r\(i) HTTP/1.1\r\nHost: a\r\nContent-Length: \(String(i).utf8.count)\r\n\r\n\(i)"
                expected.append(request("POST", "/r\(i)", [("Host", "a"), ("Content-Length", "\(String(i).utf8.count)")], "\(i)"))
            } else if i % 3 == 1 {
                input += "PUT /r\(i) HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
                expected.append(request("PUT", "/r\(i)", [("Host", "a"), ("Transfer-Encoding", "chunked")], "x"))
            } else {
                input += "GET /r\(i) HTTP/1.1\r\nHost: a\r\n\r\n"
                expected.append(request("GET", "/r\(i)", [("Host", "a")]))
            }
        }
        var d = HTTPRequestDecoder()
        d.receive(bytes(input))
        for (i, want) in expected.enumerated() {
            XCTAssertEqual(d.next(), .message(want), "request \(i)")
        }
        XCTAssertEqual(d.next(), .needData)
        XCTAssertEqual(d.bufferedBytes, 0)
        d.receiveEOF()
        XCTAssertEqual(d.next(), .closed)
        assertRequests(input, expected)
    }

    func testKeepAliveConnectionAcrossManyReceives() {
        var d = HTTPRequestDecoder()
        for i in 0..<300 {
            let head = bytes("POST /\(i) HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n") + [UInt8](repeating: 66, count: 40)
            d.receive(head[..<7])
            XCTAssertEqual(d.next(), .needData)
            d.receive(head[7...])
            guard case .message(let r) = d.next() else { return XCTFail("request \(i)") }
            XCTAssertEqual(r.target, "/\(i)")
            XCTAssertEqual(r.body.count, 40)
        }
        XCTAssertEqual(d.bufferedBytes, 0)
    }

    // MARK: Expect: 100-continue

    func testExpectContinueIsEmittedOnceThenTheMessage() {
        var d = HTTPRequestDecoder()
        d.receive(bytes("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"))
        XCTAssertEqual(d.next(), .expectContinue)
        XCTAssertEqual(d.next(), .needData)
        d.receive(bytes("he"))
        XCTAssertEqual(d.next(), .needData)
        d.receive(bytes("llo"))
        XCTAssertEqual(d.next(), .message(request("PUT", "/u", [("Host", "a"), ("Expect", "100-continue"), ("Content-Length", "5")], "hello")))
        XCTAssertEqual(d.next(), .needData)
    }

    func testExpectContinueByteByByteIsEmittedExactlyOnce() {
        let input = bytes("PUT /u HTTP/1.1\r\nHost: a\r\nexpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        let events = requestEvents(input, .byteByByte, eof: true)
        XCTAssertEqual(events, [.expectContinue,
                                .message(request("PUT", "/u", [("Host", "a"), ("expect", "100-Continue"), ("Transfer-Encoding", "chunked")], "abc")),
                                .closed])
    }

    func testExpectContinueIsNotEmittedWhenTheBodyIsAlreadyThere() {
        let input = bytes("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertEqual(requestEvents(input, .whole, eof: true),
                       [.message(request("PUT", "/u", [("Host", "a"), ("Expect", "100-continue"), ("Content-Length", "3")], "abc")), .closed])
        let noBody = bytes("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(requestEvents(noBody, .byteByByte),
                       [.message(request("GET", "/", [("Host", "a"), ("Expect", "100-continue")]))])
    }

    func testUnknownExpectationIs417() {
        assertRequestError("PUT / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx", 417)
    }

    // MARK: Host

    func testHostIsRequiredInHTTP11() {
        assertRequestError("GET / HTTP/1.1\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)
        assertRequests("GET / HTTP/1.1\r\nHost:\r\n\r\n", [request("GET", "/", [("Host", "")])])
    }

    // MARK: Limits

    static let small = HTTPLimits(startLineBytesMax: 32, headerBytesMax: 64, headerCountMax: 3,
                                  bodyBytesMax: 16, chunkLineBytesMax: 16)

    func testStartLineLimitIs414() {
        let atLimit = "GET /" + String(repeating: "a", count: 18) + " HTTP/1.1"   // 32 bytes
        XCTAssertEqual(atLimit.utf8.count, 32)
        assertRequests(atLimit + "\r\nHost: a\r\n\r\n", [request("GET", "/" + String(repeating: "a", count: 18), [("Host", "a")])],
                       limits: Self.small)
        assertRequestError("GET /" + String(repeating: "a", count: 19) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, limits: Self.small)
        // Without a line end yet, the limit is reported as soon as it is passed.
        assertRequestError("GET /" + String(repeating: "a", count: 40), 414, limits: Self.small)
    }

    func testHeaderBytesLimitIs431() {
        // The header section is every byte after the start line, through the blank line:
        // "Host: a\r\n" (9) + "X: " + value + "\r\n" + "\r\n" = 64.
        let value = String(repeating: "v", count: 64 - 9 - 3 - 2 - 2)
        assertRequests("GET / HTTP/1.1\r\nHost: a\r\nX: \(value)\r\n\r\n", [request("GET", "/", [("Host", "a"), ("X", value)])],
                       limits: Self.small)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nX: \(value)v\r\n\r\n", 431, limits: Self.small)
        // Headers that never end are refused once they pass the limit.
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 100), 431, limits: Self.small)
        // Trailers count too.
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: "
                           + String(repeating: "t", count: 80) + "\r\n\r\n", 431, limits: Self.small)
    }

    func testHeaderCountLimitIs431() {
        assertRequests("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n",
                       [request("GET", "/", [("Host", "a"), ("A", "1"), ("B", "2")])], limits: Self.small)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, limits: Self.small)
    }

    func testBodyLimitIs413() {
        let sixteen = String(repeating: "b", count: 16)
        assertRequests("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n\r\n\(sixteen)",
                       [request("POST", "/", [("Host", "a"), ("Content-Length", "16")], sixteen)], limits: Self.small)
        // Content-Length is refused from the head alone, before any body byte.
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n", 413, limits: Self.small)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999\r\n\r\n", 413)
        assertRequests("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nbbbbbbbb\r\n8\r\nbbbbbbbb\r\n0\r\n\r\n",
                       [request("POST", "/", [("Host", "a"), ("Transfer-Encoding", "chunked")], sixteen)], limits: Self.small)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nbbbbbbbb\r\n9\r\n", 413, limits: Self.small)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 413)
    }

    func testChunkSizeOverflowRegression() {
        // Found by scripts/fuzz-http: a 16th hex digit overflowed Int in the chunk-size parser (a trap).
        let input = bytes("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\ng: chunked\r\n\r\n")
            + [UInt8](repeating: UInt8(ascii: "C"), count: 126) + bytes("0;e") + [UInt8](repeating: 0, count: 19)
            + bytes("\r\n6\r\n wo\0\0\0\0rl t\r\n\r\n")
        assertRequestError(input, 413)
    }

    func testChunkSizeLineLimit() {
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 30) + "\r\n",
                           400, limits: Self.small)
    }

    // MARK: Smuggling and malformed framing

    func testContentLengthWithTransferEncodingIs400() {
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n", 400)
    }

    func testDuplicateContentLength() {
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", 400)
        // Equal repeats too: RFC 9110 §8.6 lets a recipient merge them; the strict reading refuses.
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3,3\r\n\r\nabc", 400)
    }

    func testInvalidContentLengthIs400() {
        for value in ["-1", "+3", "abc", "", "3 3", "0x3", "3;"] {
            assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\nabc", 400)
        }
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456789012\r\n\r\nabc", 413)
        assertRequests("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000000000003\r\n\r\nabc",
                       [request("POST", "/", [("Host", "a"), ("Content-Length", "0000000000000000000003")], "abc")])
    }

    func testTransferEncodingOtherThanChunked() {
        // Not ending in chunked: the length cannot be known (RFC 9112 §6.3), so 400.
        for value in ["gzip", "chunked, gzip", "identity", "", "chunked, chunked"] {
            assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n0\r\n\r\n", 400)
        }
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501)
        assertRequestError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testMalformedChunkedBodies() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertRequestError(head + "zz\r\n", 400)
        assertRequestError(head + ";ext\r\n", 400)
        assertRequestError(head + "3x\r\nabc\r\n", 400)
        assertRequestError(head + "3\r\nabcX\r\n0\r\n\r\n", 400)
    }

    func testMalformedHeadsAre400() {
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  folded\r\n\r\n", 400)   // obs-fold
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\n\tX: folded\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400)                        // space before colon
        assertRequestError("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400)                      // bare CR in a value
        assertRequestError("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400)                       // bare CR in the request line
        assertRequestError(bytes("GET / HTTP/1.1\r\nHost: a") + [0] + bytes("\r\n\r\n"), 400) // NUL
        assertRequestError(bytes("GET / HTTP/1.1\r\nHost: a\r\nX: \u{7F}\r\n\r\n"), 400)      // DEL
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\nBad(Name): x\r\n\r\n", 400)
        assertRequestError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET /\r\nHost: a\r\n\r\n", 400)
        assertRequestError("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET /caf\u{E9} HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET / HTXP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testUnsupportedVersionIs505() {
        assertRequestError("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)
        assertRequestError("GET / HTTP/0.9\r\n\r\n", 505)
        assertRequestError("GET / http/1.1\r\nHost: a\r\n\r\n", 400)
        assertRequestError("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400)
    }

    func testHigherMinorVersionIsReadAsHTTP11() {
        // RFC 9110 §2.5: a higher minor version is processed as the highest one we implement.
        assertRequests("GET / HTTP/1.2\r\nHost: a\r\n\r\n", [request("GET", "/", [("Host", "a")])])
    }

    // MARK: EOF

    func testEOFInTheMiddleOfAMessageIsAnError() {
        assertRequestError("GET / HTTP/1.1\r\nHost:", 400, eof: true)
        assertRequestError("GET / HTTP/1.1\r\nHost: a\r\n\r", 400, eof: true)
        assertRequestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", 400, eof: true)
        let chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        for tail in ["", "5", "5\r\nab", "5\r\nabcde", "5\r\nabcde\r", "0\r\n", "0\r\nT: x\r\n"] {
            assertRequestError(chunked + tail, 400, eof: true)
        }
    }

    func testEOFBetweenMessagesIsClosed() {
        var fresh = HTTPRequestDecoder()
        fresh.receiveEOF()
        XCTAssertEqual(fresh.next(), .closed)
        XCTAssertEqual(fresh.next(), .closed)
        // Blank lines after the last message are not a message (regression: they gave 400).
        for feeding in Feeding.allCases {
            XCTAssertEqual(requestEvents(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n"), feeding, eof: true),
                           [.message(request("GET", "/", [("Host", "a")])), .closed], "\(feeding)")
        }
    }

    // MARK: Permanent errors

    func testErrorIsPermanent() {
        var d = HTTPRequestDecoder()
        d.receive(bytes("GET / HTTP/2.0\r\nHost: a\r\n\r\n"))
        let first = d.next()
        guard case .error(let e) = first else { return XCTFail("expected an error, got \(first)") }
        XCTAssertEqual(e.status, 505)
        XCTAssertEqual(d.next(), first)
        d.receive(nextRequestBytes)
        XCTAssertEqual(d.next(), first)
        d.receiveEOF()
        XCTAssertEqual(d.next(), first)
    }

    func testMessagesBeforeAnErrorAreStillDelivered() {
        let input = bytes("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\n\r\n")
        for feeding in Feeding.allCases {
            let events = requestEvents(input, feeding)
            XCTAssertEqual(events.first, .message(request("GET", "/ok", [("Host", "a")])), "\(feeding)")
            XCTAssertEqual(events.count, 2)
            if case .error(let e)? = events.last { XCTAssertEqual(e.status, 400) } else { XCTFail("\(feeding): \(events)") }
        }
    }
}
