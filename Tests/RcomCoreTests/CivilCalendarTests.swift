import XCTest
import RcomCore

final class CivilCalendarTests: XCTestCase {
    func testKnownDates() {
        XCTAssertEqual(CivilCalendar.date(fromDays: 0), CivilCalendar.Date(year: 1970, month: 1, day: 1))
        XCTAssertEqual(CivilCalendar.weekday(days: 0), 3, "1970-01-01 was a Thursday")
        XCTAssertEqual(CivilCalendar.days(year: 2000, month: 2, day: 29), 11_016)
        XCTAssertEqual(CivilCalendar.date(fromDays: -1), CivilCalendar.Date(year: 1969, month: 12, day: 31))
        XCTAssertEqual(CivilCalendar.weekday(days: CivilCalendar.days(year: 2026, month: 11, day: 24)), 1, "a Tuesday")
        XCTAssertEqual(CivilCalendar.floorDiv(-1, 86_400), -1)
    }

    func testValidatedDaysRefusesDatesThatDoNotExist() {
        XCTAssertEqual(CivilCalendar.validatedDays(year: 2024, month: 2, day: 29), CivilCalendar.days(year: 2024, month: 2, day: 29))
        XCTAssertNil(CivilCalendar.validatedDays(year: 2023, month: 2, day: 29))
        XCTAssertNil(CivilCalendar.validatedDays(year: 2024, month: 2, day: 31))
        XCTAssertNil(CivilCalendar.validatedDays(year: 2024, month: 4, day: 31))
        XCTAssertNil(CivilCalendar.validatedDays(year: 2024, month: 13, day: 1))
        XCTAssertNil(CivilCalendar.validatedDays(year: 2024, month: 1, day: 0))
        XCTAssertEqual(CivilCalendar.validatedDays(year: 1970, month: 1, day: 1), 0)
    }

    func testEveryDayRoundTripsForFourHundredYears() {
        var previous = CivilCalendar.date(fromDays: -146_097 / 2 - 1)
        for days in Int64(-146_097 / 2)..<Int64(146_097 / 2) {
            let d = CivilCalendar.date(fromDays: days)
            XCTAssertEqual(CivilCalendar.days(year: d.year, month: d.month, day: d.day), days)
            // Consecutive days: the next day, or the first of the next month or year.
            let next = d.day == previous.day + 1 || (d.day == 1 && (d.month == previous.month + 1 || (d.month == 1 && d.year == previous.year + 1)))
            if !next { return XCTFail("\(previous) → \(d)") }
            previous = d
        }
    }
}
