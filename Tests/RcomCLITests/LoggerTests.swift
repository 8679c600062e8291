import Foundation
import XCTest
@testable import RcomCLI

final class LoggerTests: XCTestCase {
    /// Collects what a logger writes.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ s: String) { lock.lock(); text += s; lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    func logger(_ format: LogFormat, level: LogLevel = .info, access: Bool = false) -> (Logger, Lines) {
        let lines = Lines()
        // 2026-11-25T15:58:06.531Z
        return (Logger(format: format, level: level, accessLog: access, write: { lines.append($0) }, wallClock_ms: { 1_795_622_286_531 }), lines)
    }

    func testJSONLinesAreOneObjectEachWithTimestampLevelMessageAndTypedFields() throws {
        let (log, lines) = logger(.json)
        log.info("listening", [("port", 9000), ("addr", "127.0.0.1"), ("ok", true), ("took_ms", .decimal(1.25))])
        log.warn("bad \"input\"\n\u{1b}[31mred", [("account", .string("a\u{0}b\u{2028}c"))])
        XCTAssertEqual(lines.all.count, 2, "a newline in a message must not split the record")
        XCTAssertEqual(lines.all[0], #"{"ts":"2026-11-25T15:58:06.531Z","level":"info","msg":"listening","port":9000,"addr":"127.0.0.1","ok":true,"took_ms":1.25}"#)
        let second = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines.all[1].utf8)) as? [String: Any])
        XCTAssertEqual(second["msg"] as? String, "bad \"input\"\n\u{1b}[31mred", "escaped, not altered")
        XCTAssertEqual(second["account"] as? String, "a\u{0}b\u{2028}c")
        XCTAssertEqual(second["level"] as? String, "warn")
        XCTAssertFalse(lines.all[1].unicodeScalars.contains { $0.value < 0x20 }, "no raw control character in a JSON line")
    }

    func testTextLinesEscapeControlBytesAndQuoteValuesThatNeedIt() {
        let (log, lines) = logger(.text)
        log.info("listening", [("port", 9000), ("url", "http://127.0.0.1:9000/"), ("note", "two words"), ("empty", "")])
        log.error("upstream said \u{1b}]0;pwned\u{7}\nfake line", [("body", "a=\"b\"\\c"), ("rtl", "x\u{202E}y\u{85}z")])
        XCTAssertEqual(lines.all.count, 2)
        XCTAssertEqual(lines.all[0], #"2026-11-25T15:58:06.531Z INFO listening port=9000 url=http://127.0.0.1:9000/ note="two words" empty="""#)
        XCTAssertEqual(lines.all[1], #"2026-11-25T15:58:06.531Z ERROR upstream said \x1B]0;pwned\x07\nfake line body="a=\"b\"\\c" rtl="x\u{202E}y\u{85}z""#)
    }

    func testLevelsBelowTheThresholdAreDropped() {
        let (log, lines) = logger(.text, level: .warn)
        log.debug("d"); log.info("i"); log.warn("w"); log.error("e")
        XCTAssertEqual(lines.all.map { $0.split(separator: " ")[1] }, ["WARN", "ERROR"])
        XCTAssertTrue(log.isEnabled(.error) && !log.isEnabled(.info))
    }

    func testAccessLinesRedactTokensAndOnlyAppearWhenAskedFor() throws {
        let (quiet, none) = logger(.json)
        quiet.access(method: "GET", path: "/stats", status: 200, duration_ns: 1_000, bytes: 10)
        XCTAssertEqual(none.all, [])

        let (log, lines) = logger(.json, level: .error, access: true)
        let token = "0123456789abcdef0123456789abcdef"
        log.access(method: "POST", path: "/callback/\(token)", status: 200, duration_ns: 1_234_567, bytes: 2)
        log.access(method: "GET", path: "/stats?key=secret", status: 404, duration_ns: 0, bytes: 0)
        XCTAssertEqual(lines.all.count, 2, "access lines do not depend on --log-level")
        XCTAssertFalse(lines.all[0].contains(token))
        XCTAssertFalse(lines.all[1].contains("secret"))
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["path"] as? String, "/callback/012345…")
        XCTAssertEqual(first["method"] as? String, "POST")
        XCTAssertEqual(first["status"] as? Int, 200)
        XCTAssertEqual(first["duration_ms"] as? Double, 1.235)
        XCTAssertEqual(first["bytes"] as? Int, 2)
    }

    func testRedaction() {
        XCTAssertEqual(Redaction.secret("0123456789abcdef0123456789abcdef"), "012345…")
        XCTAssertEqual(Redaction.secret("hunter22"), "hu…", "a short secret shows a quarter at most")
        XCTAssertEqual(Redaction.secret("abc"), "…")
        XCTAssertEqual(Redaction.secret(""), "")
        XCTAssertEqual(Redaction.path("/start?x=1"), "/start")
        XCTAssertEqual(Redaction.path("/callback/"), "/callback/")
    }

    func testStartingLineCarriesVersionAndCommit() throws {
        let (log, lines) = logger(.json)
        log.starting("jobserver", [("port", 9000)])
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        XCTAssertEqual(o["msg"] as? String, "starting")
        XCTAssertEqual(o["component"] as? String, "jobserver")
        XCTAssertNotNil(o["version"] as? String)
        let commit = try XCTUnwrap(o["commit"] as? String)
        XCTAssertTrue(commit == "unknown" || (commit.count == 40 && commit.allSatisfy(\.isHexDigit)), commit)
    }

    func testLinesFromManyThreadsStayWhole() throws {
        let (log, lines) = logger(.json)
        let padding = String(repeating: "x", count: 5000)   // over a pipe's 4 KiB atomic write
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<200 { log.info("m", [("t", .int(t)), ("i", .int(i)), ("pad", .string(padding))]) }
        }
        XCTAssertEqual(lines.all.count, 1600)
        for line in lines.all { XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8))) }
    }

    func testDecimals() {
        XCTAssertEqual(LogLine.decimal(1.5), "1.5")
        XCTAssertEqual(LogLine.decimal(0.0004), "0")
        XCTAssertEqual(LogLine.decimal(12.3456), "12.346")
        XCTAssertEqual(LogLine.decimal(-2.05), "-2.05")
        XCTAssertEqual(LogLine.decimal(3), "3")
    }
}
