import XCTest
@testable import RcomWindow

@available(macOS 15, *)
final class MaxWindowScanTests: XCTestCase {
    func failure(_ text: String, k: Int) -> WindowInputError? {
        do { _ = try MaxWindowScan.run(text, k: k); return nil } catch { return error as? WindowInputError }
    }

    func testSeedExample() throws {
        let (result, _) = try MaxWindowScan.run("34,22,56,1,32,12,1,22,7", k: 4)
        XCTAssertEqual(result.maxSum, decimal("113"))
        XCTAssertEqual(result.start, 1)
        XCTAssertEqual(result.end, 4)
        XCTAssertEqual(result.count, 9)
        XCTAssertEqual(result.values, ["34", "22", "56", "1"].map(decimal))
        XCTAssertEqual(result.maxMeanText, "28.25")
    }

    func testAllNegatives() throws {
        let (result, _) = try MaxWindowScan.run("-5 -1 -3 -2 -8", k: 2)
        XCTAssertEqual(result.maxSum, decimal("-4"))
        XCTAssertEqual([result.start, result.end], [2, 3], "sums are -6, -4, -5, -10")
    }

    func testMixedSignsPicksTheMiddle() throws {
        let (result, _) = try MaxWindowScan.run("-10 4 5 -1 -20 3", k: 3)
        XCTAssertEqual(result.maxSum, decimal("8"))
        XCTAssertEqual([result.start, result.end], [2, 4])
    }

    func testKEqualsCount() throws {
        let (result, _) = try MaxWindowScan.run("3 -1 4 1 5", k: 5)
        XCTAssertEqual(result.maxSum, decimal("12"))
        XCTAssertEqual([result.start, result.end], [1, 5])
    }

    func testKEqualsOneFindsTheFirstLargest() throws {
        let (result, _) = try MaxWindowScan.run("3 9 -1 9 2", k: 1)
        XCTAssertEqual(result.maxSum, decimal("9"))
        XCTAssertEqual([result.start, result.end], [2, 2])
    }

    func testTiesKeepTheFirstWindow() throws {
        let (result, _) = try MaxWindowScan.run("1 5 0 5 1 5 0", k: 2)
        XCTAssertEqual(result.maxSum, decimal("6"))
        XCTAssertEqual([result.start, result.end], [1, 2], "windows 1-2, 4-5 and 5-6 all sum to 6")
        let (flat, _) = try MaxWindowScan.run("7 7 7 7", k: 2)
        XCTAssertEqual([flat.start, flat.end], [1, 2])
    }

    func testSumsBeyond64BitsAreExact() throws {
        let max = "9223372036854775807"
        let (result, _) = try MaxWindowScan.run("\(max) \(max) \(max) 1", k: 3)
        XCTAssertEqual(result.maxSum.formatted(fractionDigits: 0), "27670116110564327421")
        XCTAssertEqual([result.start, result.end], [1, 3])
        let min = "-9223372036854775808"
        let (low, _) = try MaxWindowScan.run("\(min),\(min)", k: 2)
        XCTAssertEqual(low.maxSum.formatted(fractionDigits: 0), "-18446744073709551616")
        XCTAssertEqual(low.maxMeanText, min)
    }

    func testOutOfRangeTokenIsReportedNotWrapped() {
        XCTAssertEqual(failure("1 9223372036854775808 2", k: 1),
                       .badToken(index: 2, line: 1, text: Array("9223372036854775808".utf8), problem: .outOfRange))
    }

    func testDecimalsAreExactCents() throws {
        let (result, _) = try MaxWindowScan.run("0.10 0.20 0.30 0.05", k: 2)
        XCTAssertEqual(result.maxSum, decimal("0.5"), "binary floating point would give 0.49999999999999994")
        XCTAssertEqual(result.fractionDigits, 2)
        XCTAssertEqual(result.maxSum.formatted(fractionDigits: result.fractionDigits), "0.50")
        XCTAssertEqual(result.maxMeanText, "0.25")
    }

    func testErrors() {
        XCTAssertEqual(failure("1 2", k: 0), .windowNotPositive(k: 0))
        XCTAssertEqual(failure("1 2", k: -3), .windowNotPositive(k: -3))
        XCTAssertEqual(failure("1 2", k: WindowLimits.windowCountMax + 1),
                       .windowTooLarge(k: WindowLimits.windowCountMax + 1, max: WindowLimits.windowCountMax))
        XCTAssertEqual(failure("1 2 3", k: 4), .windowLargerThanInput(k: 4, count: 3))
        XCTAssertEqual(failure("", k: 1), .emptyInput)
        XCTAssertEqual(failure(" ,\n", k: 1), .emptyInput)
        XCTAssertEqual(failure("1,2,x,4", k: 2), .badToken(index: 3, line: 1, text: [UInt8(ascii: "x")], problem: .notANumber))
        XCTAssertTrue(WindowInputError.windowLargerThanInput(k: 4, count: 3).message.contains("use -k 3"))
        XCTAssertTrue(WindowInputError.windowNotPositive(k: 0).message.contains("got 0"))
    }

    func testValuesAreKeptOnlyForShortWindows() throws {
        let numbers = (1...30).map(String.init).joined(separator: " ")
        let (short, _) = try MaxWindowScan.run(numbers, k: WindowLimits.valuesShownMax)
        XCTAssertEqual(short.values?.count, WindowLimits.valuesShownMax)
        XCTAssertEqual(short.values?.first, decimal("11"))
        let (long, _) = try MaxWindowScan.run(numbers, k: WindowLimits.valuesShownMax + 1)
        XCTAssertNil(long.values)
        XCTAssertEqual([long.start, long.end], [10, 30])
    }

    func testAlarmFiresOnlyStrictlyAboveThreshold() throws {
        // Window means: (34+22)/2=28, 39, 28.5, 16.5, 22, 6.5, 11.5, 14.5
        let (result, alarms) = try MaxWindowScan.run("34,22,56,1,32,12,1,22,7", k: 2, alarm: "28")
        XCTAssertEqual(alarms.map { [$0.start, $0.end] }, [[2, 3], [3, 4]], "mean 28 equals the threshold: no alarm")
        XCTAssertEqual(alarms.first?.sum, decimal("78"))
        XCTAssertEqual(result.alarmCount, 2)
        XCTAssertEqual(result.alarmThreshold, decimal("28"))
        let (quiet, none) = try MaxWindowScan.run("1 2 3", k: 2, alarm: "2.5")
        XCTAssertEqual(none, [])
        XCTAssertEqual(quiet.alarmCount, 0)
    }

    func testFinishRaisesTheAlarmOfTheLastCarriedToken() throws {
        var scan = try MaxWindowScan(k: 1, alarmThreshold: decimal("10"))
        try scan.feed(Array("1 50".utf8))
        XCTAssertEqual(scan.pendingAlarms, [])
        let result = try scan.finish()
        XCTAssertEqual(scan.pendingAlarms.map(\.end), [2])
        XCTAssertEqual(result.alarmCount, 1)
    }

    func testAlarmsArriveWithTheChunkThatCompletesTheirWindow() throws {
        var scan = try MaxWindowScan(k: 2, alarmThreshold: decimal("10"))
        try scan.feed(Array("5 30 ".utf8))
        XCTAssertEqual(scan.pendingAlarms.map(\.end), [2])
        scan.clearAlarms()
        try scan.feed(Array("1 1".utf8))
        XCTAssertEqual(scan.pendingAlarms.map(\.end), [3], "the trailing 1 may be the start of a longer number, so it waits")
        scan.clearAlarms()
        try scan.feed(Array("9".utf8))
        XCTAssertEqual(scan.pendingAlarms, [])
        let result = try scan.finish()
        XCTAssertEqual(scan.pendingAlarms, [], "finish completed 19, whose window is not above")
        XCTAssertEqual(result.alarmCount, 2, "the last window is 1 + 19 = 20, mean 10, not above")
        XCTAssertEqual(result.count, 4)
        XCTAssertEqual(result.maxSum, decimal("35"))
    }
}
