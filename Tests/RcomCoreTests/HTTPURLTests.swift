import XCTest
@testable import RcomCore

/// `HTTPURL.parse` says what is wrong, so that a flag's message points at it.
final class HTTPURLTests: XCTestCase {
    func reason(_ text: String) -> String? {
        if case .failure(let e) = HTTPURL.parse(text) { return e.reason }
        return nil
    }

    func testEachMistakeHasItsOwnReason() {
        XCTAssertEqual(reason("http://127.0.0.1:99999"), "the port 99999 is out of range (1 to 65535)")
        XCTAssertEqual(reason("http://127.0.0.1:0/"), "the port 0 is out of range (1 to 65535)")
        XCTAssertEqual(reason("http://h:99999999999999999999999/"), "the port 99999999999999999999999 is out of range (1 to 65535)")
        XCTAssertEqual(reason("http://h:80a/"), "the port must be a number from 1 to 65535")
        XCTAssertEqual(reason("http://h:/"), "the port must be a number from 1 to 65535")
        XCTAssertEqual(reason("ftp://x"), "the scheme must be http:// or https://")
        XCTAssertEqual(reason("127.0.0.1:9000"), "it is not an absolute URL (it must start with http://)")
        XCTAssertEqual(reason("http://:80/"), "it has no host")
        XCTAssertEqual(reason("http://[::1/"), "the IPv6 address has no closing ]")
        XCTAssertEqual(reason("http://a b/"), "the host may hold letters, digits, '.', '-', '_' (and ':' in brackets) only")
        XCTAssertEqual(reason("http://h/a b"), "the path holds a space, a control or a non-ASCII character (percent-encode it)")
    }

    func testGoodURLsStillParse() {
        XCTAssertEqual(HTTPURL("http://127.0.0.1:9000/start"), HTTPURL(host: "127.0.0.1", port: 9000, target: "/start"))
        XCTAssertEqual(HTTPURL("https://abc.ngrok-free.app")?.port, 443)
        XCTAssertEqual(HTTPURL("http://[::1]:8080/x?y=1")?.host, "::1")
        XCTAssertEqual(HTTPURL("http://h:65535")?.port, 65535)
    }
}
