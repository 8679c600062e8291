import XCTest
@testable import RcomWindow

@available(macOS 15, *)
final class NumberSyntaxTests: XCTestCase {
    func parse(_ text: String) throws(NumberProblem) -> NumberSyntax.Parsed {
        var copy = text
        let result = copy.withUTF8 { bytes in Result { () throws(NumberProblem) in try NumberSyntax.parse(bytes) } }
        return try result.get()
    }

    func assertProblem(_ text: String, _ expected: NumberProblem, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), "'\(text)'", file: file, line: line) { error in
            XCTAssertEqual(error as? NumberProblem, expected, "'\(text)'", file: file, line: line)
        }
    }

    func testIntegersAndSigns() throws {
        XCTAssertEqual(try parse("34").value.millionths, 34_000_000)
        XCTAssertEqual(try parse("-5").value.millionths, -5_000_000)
        XCTAssertEqual(try parse("+7").value.millionths, 7_000_000)
        XCTAssertEqual(try parse("-0").value.millionths, 0)
        XCTAssertEqual(try parse("007").value.millionths, 7_000_000)
        XCTAssertEqual(try parse("12").fractionDigits, 0)
    }

    func testDecimalsAreExact() throws {
        XCTAssertEqual(try parse("12.50").value.millionths, 12_500_000)
        XCTAssertEqual(try parse("12.50").fractionDigits, 2)
        XCTAssertEqual(try parse("-0.000001").value.millionths, -1)
        XCTAssertEqual(try parse(".5").value.millionths, 500_000)
        XCTAssertEqual(try parse("5.").value.millionths, 5_000_000)
        XCTAssertEqual(try parse("-.25").value.millionths, -250_000)
        assertProblem("1.1234567", .tooManyFractionDigits)
    }

    func testSixtyFourBitBoundaries() throws {
        XCTAssertEqual(try parse("9223372036854775807").value, ScaledDecimal(Int64.max))
        XCTAssertEqual(try parse("-9223372036854775808").value, ScaledDecimal(Int64.min))
        assertProblem("9223372036854775808", .outOfRange)
        assertProblem("-9223372036854775809", .outOfRange)
        assertProblem("9223372036854775807.5", .outOfRange)
        assertProblem("-9223372036854775808.000001", .outOfRange)
        assertProblem("99999999999999999999999", .outOfRange)
    }

    func testNotNumbers() {
        for text in ["", "-", "+", ".", "-.", "abc", "1.2.3", "1e5", "12x", "--1", "1-", "0x10", "1_000", "١٢"] {
            assertProblem(text, .notANumber)
        }
        assertProblem("12x99999999999999999999999", .notANumber)
        assertProblem(String(repeating: "1", count: NumberSyntax.tokenBytesMax + 1), .tooLong)
    }

    func testSeparatorsAreCommaAndAsciiWhitespace() {
        let separators = Set(" ,\t\n\r\u{0B}\u{0C}".utf8)
        for byte in UInt8.min...UInt8.max {
            XCTAssertEqual(NumberSyntax.isSeparator(byte), separators.contains(byte), "byte \(byte)")
        }
    }

    func testFormattingKeepsRequestedPrecision() {
        XCTAssertEqual(decimal("12.5").formatted(fractionDigits: 2), "12.50")
        XCTAssertEqual(decimal("-0.05").formatted(fractionDigits: 2), "-0.05")
        XCTAssertEqual(decimal("113").formatted(fractionDigits: 0), "113")
        XCTAssertEqual(decimal("-113").formatted(fractionDigits: 1), "-113.0")
        XCTAssertEqual(decimal("0").formatted(fractionDigits: 0), "0")
        XCTAssertEqual(decimal("-9223372036854775808").formatted(fractionDigits: 0), "-9223372036854775808")
    }

    func testRoundedQuotientRoundsHalfAwayFromZero() {
        XCTAssertEqual(DecimalText.roundedQuotient(11300, 4, digits: 2), "28.25")
        XCTAssertEqual(DecimalText.roundedQuotient(11300, 3, digits: 2), "37.67")
        XCTAssertEqual(DecimalText.roundedQuotient(-11300, 3, digits: 2), "-37.67")
        XCTAssertEqual(DecimalText.roundedQuotient(5, 2, digits: 0), "3")
        XCTAssertEqual(DecimalText.roundedQuotient(-5, 2, digits: 0), "-3")
        XCTAssertEqual(DecimalText.roundedQuotient(2800, 1, digits: 2), "28")
        XCTAssertEqual(DecimalText.roundedQuotient(-1, 3, digits: 2), "0", "tiny negatives do not print as -0")
    }
}
