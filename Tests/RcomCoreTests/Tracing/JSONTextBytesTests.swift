import Foundation
import XCTest
import RcomCore

final class JSONTextBytesTests: XCTestCase {
    func testQuoteEscapesAndFoundationReadsItBack() throws {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            ("", #""""#),
            ("q\"b\\", #""q\"b\\""#),
            ("n\nr\rt\t", #""n\nr\rt\t""#),
            ("\u{0}\u{1}\u{1f}\u{7f}", #""\u0000\u0001\u001f"# + "\u{7f}\""),
            ("caf\u{e9} \u{1F600}", "\"caf\u{e9} \u{1F600}\""),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(JSONText.quote(text), expected, text.debugDescription)
            var bytes: [UInt8] = [UInt8(ascii: "x")]
            JSONText.appendQuoted(text, to: &bytes)
            XCTAssertEqual(bytes, [UInt8(ascii: "x")] + Array(expected.utf8), text.debugDescription)
            let back = try JSONSerialization.jsonObject(with: Data(("[" + expected + "]").utf8)) as? [String]
            XCTAssertEqual(back, [text], text.debugDescription)
        }
    }

    func testDecimalAndHex() {
        let unsigned: [UInt64] = [0, 7, 10, 99, 1_765_000_000_123_456_789, .max]
        for n in unsigned {
            var b: [UInt8] = []
            JSONText.appendDecimal(n, to: &b)
            XCTAssertEqual(String(decoding: b, as: UTF8.self), "\(n)")
            var h: [UInt8] = []
            JSONText.appendHex(n, to: &h)
            XCTAssertEqual(String(decoding: h, as: UTF8.self), HexText.lowercase([n]))
        }
        for n: Int64 in [0, -1, 502, .min, .max] {
            var b: [UInt8] = []
            JSONText.appendDecimal(n, to: &b)
            XCTAssertEqual(String(decoding: b, as: UTF8.self), "\(n)")
        }
    }
}
