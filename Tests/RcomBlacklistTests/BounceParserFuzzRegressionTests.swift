import XCTest
@testable import RcomBlacklist

/// Inputs scripts/fuzz-bounces found that the parser got wrong.
final class BounceParserFuzzRegressionTests: XCTestCase {
    private func times(_ lines: String, header: String = "email,reason,bounced_at") -> [Int64] {
        let format = BounceFileFormat.detect(firstLine: Array(header.utf8))
        let preparer = BatchPreparer(format: format, importStartedAt_s: 42, samplesMax: 10)
        let bytes = Array(lines.utf8)
        let raw = RawBatch(seq: 0, firstLine: 2, lineCount: bytes.filter { $0 == 0x0a }.count, endOffset: 0,
                           isLast: true, closesWindow: true, bytes: bytes)
        return preparer.prepare(raw).suppressions.entries.map(\.suppressedAt_s)
    }

    /// RFC 4180 lines end in CRLF, so the last column carries the CR; and providers pad columns.
    func testBouncedAtKeepsItsTimeWhenFollowedByCROrPadded() {
        XCTAssertEqual(times("a@example.com,550 x,2026-11-01T10:00:00Z\r\n"), [1_793_527_200])
        XCTAssertEqual(times("a@example.com,550 x, 2026-11-01T10:00:00Z \n"), [1_793_527_200])
    }

    func testBouncedAtOnADayThatDoesNotExistTakesTheImportTime() {
        XCTAssertEqual(times("a@example.com,550 x,2024-02-31T00:00:00Z\nb@example.com,550 x,2023-02-29T00:00:00Z\n"),
                       [42, 42])
        XCTAssertEqual(times("a@example.com,550 x,2024-02-29T23:59:60Z\n"), [1_709_251_200],
                       "a real leap day, and a leap second, still count")
    }
}
