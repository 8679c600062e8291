import XCTest
@testable import RcomWindow

final class SWARDigitsTests: XCTestCase {
    func word(_ text: String) -> UInt64 {
        var bytes = Array(text.utf8)
        precondition(bytes.count <= 8)
        bytes += Array(repeating: 0, count: 8 - bytes.count)
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    func testDigitRunLength() {
        XCTAssertEqual(SWARDigits.digitCount(word("12345678")), 8)
        XCTAssertEqual(SWARDigits.digitCount(word("1234567\n")), 7)
        XCTAssertEqual(SWARDigits.digitCount(word("0,99")), 1)
        XCTAssertEqual(SWARDigits.digitCount(word("-1")), 0)
        // Bytes just outside '0'...'9' and ones with a digit's low nibble are not digits.
        for byte: UInt8 in [0x2F, 0x3A, 0x3F, 0x20, 0x2C, 0xB0, 0xB9, 0x39 + 0x80, 0x00, 0xFF] {
            let text = [UInt8(ascii: "7"), byte] + Array(repeating: UInt8(ascii: "5"), count: 6)
            let w = text.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            XCTAssertEqual(SWARDigits.digitCount(w), 1, "byte \(byte)")
        }
    }

    /// Every length, against the scalar value, with a separator and trailing junk after.
    func testValueMatchesScalarParse() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<5_000 {
            let count = Int.random(in: 1...7, using: &rng)
            let digits = (0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }
            let text = String(digits) + "\n" + String(repeating: "9", count: 7 - count)
            let w = word(text)
            XCTAssertEqual(SWARDigits.digitCount(w), count, text)
            XCTAssertEqual(SWARDigits.value(w, count: count), UInt64(String(digits)), text)
        }
        XCTAssertEqual(SWARDigits.value(word("99999999"), count: 8), 99_999_999)
    }
}
