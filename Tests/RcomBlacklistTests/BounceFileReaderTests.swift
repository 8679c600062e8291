import XCTest
@testable import RcomBlacklist

final class BounceFileReaderTests: XCTestCase {
    func batches(_ text: String, batch: Int, window: Int = 1_000, lineMax: Int = 100) throws -> [RawBatch] {
        let dir = try TestDirectory()
        let path = try dir.write("in.txt", text)
        let reader = try BounceFileReader(path: path, startOffset: 0, firstLine: 1, endOffset: Int64(text.utf8.count),
                                          batchLines: batch, windowLines: window, lineBytesMax: lineMax)
        var out: [RawBatch] = []
        while let b = try reader.next() { out.append(b) }
        return out
    }

    func testBatchesCarryLineNumbersAndTheOffsetAfterThem() throws {
        let out = try batches("a@x.io\nb@x.io\nc@x.io\nd@x.io\ne@x.io", batch: 2)
        XCTAssertEqual(out.map(\.firstLine), [1, 3, 5])
        XCTAssertEqual(out.map(\.lineCount), [2, 2, 1])
        XCTAssertEqual(out.map(\.endOffset), [14, 28, 34], "the last line has no newline")
        XCTAssertEqual(out.map(\.isLast), [false, false, true])
        XCTAssertEqual(String(decoding: out[1].bytes, as: UTF8.self), "c@x.io\nd@x.io\n")
    }

    func testBatchesNeverStraddleAWindow() throws {
        let text = (1...7).map { "u\($0)@x.io\n" }.joined()
        let out = try batches(text, batch: 2, window: 3)
        XCTAssertEqual(out.map(\.lineCount), [2, 1, 2, 1, 1])
        XCTAssertEqual(out.map(\.closesWindow), [false, true, false, true, true])
    }

    func testAnOverlongLineBecomesOneMarkerByteAndIsNotBuffered() throws {
        let long = String(repeating: "y", count: 500)
        let out = try batches("a@x.io\n\(long)\nb@x.io\n", batch: 10, lineMax: 50)
        XCTAssertEqual(out.count, 1)
        XCTAssertEqual(out[0].lineCount, 3)
        XCTAssertEqual(out[0].bytes, Array("a@x.io\n".utf8) + [0, 0x0a] + Array("b@x.io\n".utf8))
        XCTAssertEqual(out[0].endOffset, Int64(7 + 501 + 7))
    }
}
