import XCTest
@testable import RcomCore

final class HTTPHeadersTests: XCTestCase {
    func testLookupIsCaseInsensitiveAndKeepsOrder() {
        let h = HTTPHeaders([("Host", "a"), ("X-Multi", "1"), ("content-type", "text/plain"), ("x-multi", "2")])
        XCTAssertEqual(h.count, 4)
        XCTAssertEqual(h["HOST"], "a")
        XCTAssertEqual(h.first("Content-Type"), "text/plain")
        XCTAssertEqual(h.all("X-MULTI"), ["1", "2"])
        XCTAssertNil(h["missing"])
        XCTAssertEqual(h.all("missing"), [])
        XCTAssertEqual(h.map(\.name), ["Host", "X-Multi", "content-type", "x-multi"], "arrival order")
    }

    func testNamesDifferingOnlyBeyondASCIICaseDoNotMatch() {
        let h = HTTPHeaders([("Hos", "a"), ("Hostt", "b"), ("H\u{F3}st", "c")])
        XCTAssertNil(h["Host"])
    }

    func testAddSetRemove() {
        var h = HTTPHeaders()
        h.add("A", "1")
        h.add("b", "2")
        h.add("a", "3")
        h.set("A", "4")
        XCTAssertEqual(h.fields.map(\.name), ["b", "A"], "set replaces every field of that name, appended last")
        XCTAssertEqual(h.all("a"), ["4"])
        h.remove("B")
        XCTAssertEqual(h.count, 1)
        XCTAssertNil(h["b"])
        h.remove("nothing")
        XCTAssertEqual(h.count, 1)
    }

    func testTokens() {
        let h = HTTPHeaders([("Connection", " Keep-Alive ,Upgrade,, "), ("connection", "\tCLOSE"), ("Other", "x")])
        XCTAssertEqual(h.tokens("CONNECTION"), ["keep-alive", "upgrade", "close"])
        XCTAssertEqual(h.tokens("missing"), [])
    }

    func testTokensFoldASCIICaseOnly() {
        // U+212A KELVIN SIGN lower-cases to "k" in Unicode; tokens are ASCII (RFC 9110 §5.6.2),
        // so neither `chun\u{212A}ed` nor `\u{212A}eep-alive` is the token a front end would see.
        let h = HTTPHeaders([("Connection", "\u{212A}eep-alive"), ("Transfer-Encoding", "chun\u{212A}ed")])
        XCTAssertFalse(h.hasToken("connection", "keep-alive"))
        XCTAssertEqual(h.tokens("transfer-encoding"), ["chun\u{212A}ed"])
        XCTAssertTrue(HTTPHeaders([("connection", "Upgrade, CLOSE")]).hasToken("Connection", "close"))
        XCTAssertFalse(HTTPHeaders([("connection", "closed")]).hasToken("connection", "close"))
        var d = HTTPRequestDecoder()
        d.receive(bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun\u{212A}ed\r\n\r\n0\r\n\r\n"))
        guard case .error(let e) = d.next() else { return XCTFail("a coding that only Unicode folds to chunked is not chunked") }
        XCTAssertEqual(e.status, 400)
    }

    func testDecodedFieldsAreCutFromTheHead() {
        var d = HTTPRequestDecoder()
        d.receive(bytes("GET / HTTP/1.1\r\nHost:a\r\nX-Long-Name: \t value with  spaces \t\r\nx-o: caf\u{E9}\r\n\r\n"))
        guard case .message(var r) = d.next() else { return XCTFail("not decoded") }
        XCTAssertEqual(r.headers.fields.map(\.name), ["Host", "X-Long-Name", "x-o"])
        XCTAssertEqual(r.headers.fields.map(\.value), ["a", "value with  spaces", "caf\u{E9}"])
        XCTAssertEqual(r.headers, HTTPHeaders([("Host", "a"), ("X-Long-Name", "value with  spaces"), ("x-o", "caf\u{E9}")]))
        r.headers.add("Added", "1")
        r.headers.set("host", "b")
        XCTAssertEqual(r.headers.fields.map { "\($0.name)=\($0.value)" }, ["X-Long-Name=value with  spaces", "x-o=caf\u{E9}", "Added=1", "host=b"])
        XCTAssertEqual(String(decoding: HTTPSerializer.bytes(HTTPResponse(status: 200, headers: r.headers)), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nX-Long-Name: value with  spaces\r\nx-o: caf\u{E9}\r\nAdded: 1\r\nhost: b\r\nContent-Length: 0\r\n\r\n")
    }

    func testEqualityIsByValueAndOrder() {
        let a = HTTPHeaders([("A", "1"), ("B", "2")])
        XCTAssertEqual(a, HTTPHeaders([("A", "1"), ("B", "2")]))
        XCTAssertNotEqual(a, HTTPHeaders([("B", "2"), ("A", "1")]), "order matters (serialisation is byte-exact)")
        XCTAssertNotEqual(a, HTTPHeaders([("A", "1")]))
        XCTAssertNotEqual(a, HTTPHeaders([("A", "1"), ("B", "3")]))
        XCTAssertNotEqual(a, HTTPHeaders([("a", "1"), ("B", "2")]), "the spelling of a name is kept")
    }

    func testTrimIsByteWise() {
        XCTAssertEqual(ASCII.trim(" \t a b \t "), "a b")
        XCTAssertEqual(ASCII.trim(" \u{301}x "), "\u{301}x")
        XCTAssertEqual(ASCII.trim("   "), "")
    }

    func testTokenCharacters() {
        for c in Array("!#$%&'*+-.^_`|~09azAZ".utf8) { XCTAssertTrue(ASCII.isTokenChar(c), "\(c)") }
        for c in Array(" \t:;,\"()/<>=?@[]{}\\".utf8) + [0, 127, 200] { XCTAssertFalse(ASCII.isTokenChar(c), "\(c)") }
    }
}
