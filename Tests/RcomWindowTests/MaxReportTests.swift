import XCTest
@testable import RcomWindow

@available(macOS 15, *)
final class MaxReportTests: XCTestCase {
    func testSeedDefaultTextSaysItUsedTheExample() throws {
        let (result, _) = try MaxWindowScan.run("34,22,56,1,32,12,1,22,7", k: 4)
        let text = MaxReport.text(result, options: .init(showMean: true, defaultInput: "34,22,56,1,32,12,1,22,7"))
        XCTAssertEqual(text, """
            no numbers given, so using the example: rcom max -k 4 "34,22,56,1,32,12,1,22,7"
            max sum of 4 consecutive numbers: 113
            window: positions 1-4 of 9
            values: 34, 22, 56, 1
            max mean: 28.25

            """)
    }

    func testTextAtInputPrecisionWithAlarmSummary() throws {
        let (result, _) = try MaxWindowScan.run("1.5 2.25 -3", k: 1, alarm: "2")
        let text = MaxReport.text(result, options: .init())
        XCTAssertEqual(text, """
            max sum of 1 number: 2.25
            window: positions 2-2 of 3
            values: 2.25
            alarms: 1 window with a mean above 2

            """)
    }

    func testJSONIsOneExactObject() throws {
        let (result, _) = try MaxWindowScan.run("0.10, 0.20, 0.30", k: 2, alarm: "0.2")
        XCTAssertEqual(MaxReport.json(result, options: .init()),
                       #"{"k":2,"count":3,"max_sum":0.50,"start":2,"end":3,"values":[0.20,0.30],"max_mean":0.25,"ties":"first window wins","alarm_threshold":0.2,"alarms":1}"# + "\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(MaxReport.json(result, options: .init()).utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["end"] as? Int, 3)
    }

    func testJSONOmitsValuesForLongWindows() throws {
        let numbers = (1...25).map(String.init).joined(separator: ",")
        let (result, _) = try MaxWindowScan.run(numbers, k: 21)
        let json = MaxReport.json(result, options: .init(defaultInput: nil))
        XCTAssertFalse(json.contains("values"))
        XCTAssertTrue(json.contains(#""max_sum":315,"start":5,"end":25"#), json)
    }

    func testAlarmLines() {
        let alarm = WindowAlarm(start: 3, end: 6, sum: decimal("101"))
        XCTAssertEqual(MaxReport.alarmLine(alarm, k: 4, threshold: decimal("25"), fractionDigits: 0, json: false),
                       "alarm: positions 3-6 mean 25.25 > 25\n")
        XCTAssertEqual(MaxReport.alarmLine(alarm, k: 4, threshold: decimal("25.10"), fractionDigits: 2, json: true),
                       #"{"alarm":{"start":3,"end":6,"mean":25.25,"threshold":25.1}}"# + "\n")
    }

    func testMeanPrecisionFollowsInput() {
        XCTAssertEqual(WindowMean.text(sum: decimal("113"), k: 3, fractionDigits: 0), "37.67")
        XCTAssertEqual(WindowMean.text(sum: decimal("1.00"), k: 3, fractionDigits: 2), "0.3333")
        XCTAssertEqual(WindowMean.text(sum: decimal("0.000001"), k: 3, fractionDigits: 6), "0.00000033")
        XCTAssertEqual(WindowMean.text(sum: decimal("-7"), k: 2, fractionDigits: 0), "-3.5")
    }
}
