import XCTest
@testable import RcomWindow

@available(macOS 15, *)
final class NumberTokenizerTests: XCTestCase {
    /// Tokenizes `bytes` fed in pieces that end at `cuts`.
    func tokenize(_ bytes: [UInt8], cuts: [Int] = []) throws(WindowInputError) -> (values: [Int128], tokenizer: NumberTokenizer) {
        var tokenizer = NumberTokenizer()
        var sink = CollectingSink()
        var from = 0
        for cut in cuts + [bytes.count] {
            let piece = Array(bytes[from..<cut])
            try piece.withUnsafeBufferPointer { chunk throws(WindowInputError) in try tokenizer.feed(chunk, into: &sink) }
            from = cut
        }
        try tokenizer.finish(into: &sink)
        return (sink.values, tokenizer)
    }

    func tokenize(_ text: String, cuts: [Int] = []) throws(WindowInputError) -> [Int128] {
        try tokenize(Array(text.utf8), cuts: cuts).values
    }

    func badToken(_ text: String, cuts: [Int] = []) -> WindowInputError? {
        do { _ = try tokenize(text, cuts: cuts); return nil } catch { return error }
    }

    func testSeparatorsMixAndCollapse() throws {
        let expected: [Int128] = [34, 22, -56, 1].map { $0 * 1_000_000 }
        XCTAssertEqual(try tokenize("34,22,-56,1"), expected)
        XCTAssertEqual(try tokenize(" 34 ,\t22\r\n-56,,, 1\n\n"), expected)
        XCTAssertEqual(try tokenize(""), [])
        XCTAssertEqual(try tokenize(" ,\n "), [])
    }

    /// The same input must give the same numbers however the stream is cut: whole, byte by
    /// byte, and at every single cut point (where the carried-token path is exercised).
    func testEveryChunkingGivesTheSameNumbers() throws {
        let text = "1,-22 333.25\n4444 -.5 9223372036854775807 -9223372036854775808 +6 0.000001 77"
            + " 1234567,-7654321\t12345678 -123456789 0000000000012 99"
        let bytes = Array(text.utf8)
        let whole = try tokenize(bytes).values
        XCTAssertEqual(whole.count, 16)
        XCTAssertEqual(whole[10...].map { $0 / 1_000_000 }, [1_234_567, -7_654_321, 12_345_678, -123_456_789, 12, 99])
        XCTAssertEqual(whole[2], 333_250_000)
        XCTAssertEqual(whole[4], -500_000)
        XCTAssertEqual(whole[5], Int128(Int64.max) * 1_000_000)
        XCTAssertEqual(whole[8], 1)
        XCTAssertEqual(try tokenize(bytes, cuts: Array(1..<bytes.count)).values, whole, "byte by byte")
        for cut in 1..<bytes.count {
            XCTAssertEqual(try tokenize(bytes, cuts: [cut]).values, whole, "cut at \(cut)")
        }
    }

    func testFractionDigitsSeenIsTheMaximum() throws {
        XCTAssertEqual(try tokenize(Array("1 2.5 3.25 4".utf8)).tokenizer.fractionDigitsSeen, 2)
        XCTAssertEqual(try tokenize(Array("1 2 3".utf8)).tokenizer.fractionDigitsSeen, 0)
    }

    func testBadTokenIsQuotedWithIndexAndLine() {
        let input = "1,2\n3 4\nfive 6"
        let expected = WindowInputError.badToken(index: 5, line: 3, text: Array("five".utf8), problem: .notANumber)
        XCTAssertEqual(badToken(input), expected)
        let bytes = Array(input.utf8).count
        for cut in 1..<bytes {
            XCTAssertEqual(badToken(input, cuts: [cut]), expected, "cut at \(cut)")
        }
        XCTAssertEqual(expected.message.prefix(31), "token 5 on line 3, 'five', is n")
    }

    func testBadTokenAtEndOfInputAndEdgeSyntax() {
        XCTAssertEqual(badToken("1 2 3x"), .badToken(index: 3, line: 1, text: Array("3x".utf8), problem: .notANumber))
        XCTAssertEqual(badToken("1 -"), .badToken(index: 2, line: 1, text: Array("-".utf8), problem: .notANumber))
        XCTAssertEqual(badToken("7 1.1234567"), .badToken(index: 2, line: 1, text: Array("1.1234567".utf8), problem: .tooManyFractionDigits))
        XCTAssertEqual(badToken("9223372036854775808"), .badToken(index: 1, line: 1, text: Array("9223372036854775808".utf8), problem: .outOfRange))
    }

    func testOverlongTokenIsRefusedAndItsQuoteBounded() {
        let long = String(repeating: "7", count: 10_000)
        for cuts in [[], [5], [100], Array(stride(from: 10, to: 10_000, by: 10))] {
            guard case .badToken(let index, _, let text, let problem)? = badToken("1 " + long + " 2", cuts: cuts) else {
                return XCTFail("expected a bad token for cuts \(cuts.prefix(3))")
            }
            XCTAssertEqual(index, 2)
            XCTAssertEqual(problem, .tooLong)
            XCTAssertEqual(text.count, NumberSyntax.tokenBytesMax)
        }
    }

    func testBinaryBytesAreEscapedInMessages() {
        let error = WindowInputError.badToken(index: 1, line: 1, text: [0x31, 0x00, 0xFF, 0x5C], problem: .notANumber)
        XCTAssertTrue(error.message.contains("'1\\x00\\xFF\\x5C'"), error.message)
    }
}
