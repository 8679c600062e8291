import XCTest
@testable import RcomBlacklist

/// The providers' time forms (`ProviderTime`), read in place since 2026-12-08: each form the
/// design page lists, and the near misses that must take the import's time instead (nil).
final class ProviderTimeTests: XCTestCase {
    func seconds(_ text: String) -> Int64? { ProviderTime.seconds(Array(text.utf8)) }

    func testRFC2822AsMailgunWritesIt() {
        let t: Int64 = 1_319_194_975  // 2011-10-21T11:02:55Z
        XCTAssertEqual(seconds("Fri, 21 Oct 2011 11:02:55 UTC"), t)
        XCTAssertEqual(seconds("Fri, 21 Oct 2011 11:02:55 GMT"), t)
        XCTAssertEqual(seconds("Fri, 21 oct 2011 11:02:55 UT"), t, "month in any case, UT")
        XCTAssertEqual(seconds("Fri,  21\tOct 2011 11:02:55 +0000"), t, "runs of blanks")
        XCTAssertEqual(seconds("Fri, 21 Oct 2011 13:02:55 +02:00"), t)
        XCTAssertEqual(seconds("Fri, 21 Oct 2011 11:02 UTC"), t - 55, "no seconds")
        XCTAssertEqual(seconds("Fri, 1 Oct 2011 11:02:55 UTC"), t - 20 * 86_400, "one-digit day")
        for wrong in ["Fri, 21 Oct 2011 11:02:55 UTC extra", "Fri 21 Oct 2011 11:02:55 UTC", "Fri, 21 Okt 2011 11:02:55 UTC",
                      "Fri, 31 Nov 2011 11:02:55 UTC", "Fri, 21 Oct 2011 11:2:55 UTC", "Fri, 21 Oct 2011 11-02-55 UTC",
                      "Fri, 21 Oct 11 11:02:55 UTC", "Fri, 21 Oct 2011 11:02:55 CEST", "21 Oct 2011 11:02:55"] {
            XCTAssertNil(seconds(wrong), wrong)
        }
    }

    func testJSONNumbers() {
        XCTAssertEqual(ProviderTime.seconds(jsonNumber: Array("1443651141".utf8)), 1_443_651_141)
        XCTAssertEqual(ProviderTime.seconds(jsonNumber: Array("1589830140.123".utf8)), 1_589_830_140)
        XCTAssertEqual(ProviderTime.seconds(jsonNumber: Array("1.59E9".utf8)), 1_590_000_000)
        XCTAssertEqual(ProviderTime.seconds(jsonNumber: Array("0".utf8)), 0)
        XCTAssertNil(ProviderTime.seconds(jsonNumber: Array("-5".utf8)))
        XCTAssertNil(ProviderTime.seconds(jsonNumber: Array("100000000000".utf8)), "past the year 5138")
    }
}
