import XCTest
@testable import RcomCLI

/// A number option's message says which way the value is off: a whole number too long for
/// 64 bits is "too large", not "not a whole number".
final class NumberOptionTests: XCTestCase {
    static let spec = CommandSpec(name: "demo", summary: "", usage: "demo", options: [
        OptionSpec("port", value: "PORT", help: "port"),
        OptionSpec("k", short: "k", value: "K", help: "window"),
    ])

    func message(_ args: [String], _ option: String, range: ClosedRange<Int>) -> String? {
        guard case .parsed(let p)? = try? ArgumentParser.parse(args, spec: Self.spec) else { return "did not parse" }
        do { _ = try p.int(option, range: range); return nil } catch { return error.message }
    }

    func testEachWayOffHasItsMessage() {
        XCTAssertEqual(message(["--port", "99999999999999999999"], "port", range: 0...65535),
                       "--port '99999999999999999999' is too large: the most it takes is 65535")
        XCTAssertEqual(message(["--port", "-99999999999999999999"], "port", range: 0...65535),
                       "--port '-99999999999999999999' is too small: the least it takes is 0")
        XCTAssertEqual(message(["--port", "70000"], "port", range: 0...65535), "--port must be between 0 and 65535, got 70000")
        XCTAssertEqual(message(["--port", "8o"], "port", range: 0...65535), "--port expects a whole number, got '8o'")
        XCTAssertEqual(message(["-k", "12"], "k", range: Int.min...10), "-k must be at most 10, got 12")
        XCTAssertEqual(message(["-k", "0"], "k", range: 1...Int.max), "-k must be at least 1, got 0")
        XCTAssertNil(message(["--port", "1_000"], "port", range: 0...65535))
    }
}
