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
