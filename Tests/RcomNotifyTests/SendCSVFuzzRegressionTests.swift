import Foundation
import XCTest
@testable import RcomNotify

/// Found by scripts/fuzz-send-csv: the batch reader against an RFC 4180 model.
final class SendCSVFuzzRegressionTests: XCTestCase {
    func records(_ bytes: [UInt8]) throws -> [CSVRecords.Record] {
        let path = makeTemporaryDirectory() + "/batch.csv"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = CSVRecords(try XCTUnwrap(LineReader(path: path)))
        var out: [CSVRecords.Record] = []
        while let rec = r.next() { out.append(rec) }
        return out
    }

    /// Scalars, compared one by one: String's == would equate precomposed and decomposed text.
    func scalars(_ r: CSVRecords.Record) -> [[Unicode.Scalar]]? { r.fields?.map { Array($0.unicodeScalars) } }

    /// A field may start with a combining mark; as a Character it fused with the comma or quote
    /// before it, which then no longer delimited anything.
    func testACombiningMarkAfterACommaOrQuoteLeavesTheDelimiter() throws {
        let rs = try records(Array("sms,1,\u{301}x\nsms,2,\"\u{301}y, z\"\n".utf8))
        XCTAssertEqual(rs.count, 2)
        XCTAssertEqual(scalars(rs[0]), [["s", "m", "s"], ["1"], ["\u{301}", "x"]])
        XCTAssertEqual(scalars(rs[1]), [["s", "m", "s"], ["2"], ["\u{301}", "y", ",", " ", "z"]])
    }

    /// A line just over the bound came back whole when its newline arrived in the same read.
    func testALineOverTheBoundIsCutWhereverItsNewlineFalls() throws {
        let n = LineReader.lineBytesMax
        let rs = try records(Array(repeating: UInt8(ascii: "y"), count: n + 1) + Array("\nsms,1,ok\n".utf8))
        XCTAssertEqual(rs.map(\.truncated), [true, false])
        XCTAssertTrue(rs[0].fields == nil, "a cut record is not parsed")
        XCTAssertEqual(rs[0].text.utf8.count, n)
        XCTAssertEqual(rs[1].fields, ["sms", "1", "ok"])
        XCTAssertEqual(rs[1].line, 2)
    }

    /// A CRLF line of exactly the bound was cut when its CR ended a read and its LF began the next.
    func testACRLFLineOfExactlyTheBoundIsWholeWhereverTheReadEnds() throws {
        let n = LineReader.lineBytesMax
        // Line 2 starts on the last byte of the first 64 KiB read, so that read's successor ends on its CR.
        let first = Array(repeating: UInt8(ascii: "x"), count: 64 * 1024 - 2) + [0x0a]
        let second = Array(repeating: UInt8(ascii: "y"), count: n) + [0x0d, 0x0a]
        let rs = try records(first + second + Array("sms,1,ok\r\n".utf8))
        XCTAssertEqual(rs.map(\.truncated), [false, false, false])
        XCTAssertEqual(rs.map(\.line), [1, 2, 3])
        XCTAssertEqual(rs[1].text.utf8.count, n)
        XCTAssertEqual(rs[2].fields, ["sms", "1", "ok"])
    }
}
