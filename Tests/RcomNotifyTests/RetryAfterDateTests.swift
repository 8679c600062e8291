import XCTest
import RcomCore
@testable import RcomNotify

/// `Retry-After` as an HTTP-date (RFC 9110 §10.2.3), against the provider's `Date` or the
/// stage's injected wall clock.
final class RetryAfterDateTests: XCTestCase {
    func testTheThreeHTTPDateForms() {
        let ms: Int64 = 784_111_777_000
        XCTAssertEqual(HTTPDate.parse_ms("Sun, 06 Nov 1994 08:49:37 GMT"), ms)
        XCTAssertEqual(HTTPDate.parse_ms("Sunday, 06-Nov-94 08:49:37 GMT"), ms)
        XCTAssertEqual(HTTPDate.parse_ms("Sun Nov  6 08:49:37 1994"), ms)
        XCTAssertEqual(HTTPDate.imfFixdate(ms: ms), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.parse_ms("Thu, 29 Feb 2024 23:59:59 GMT"), 1_709_251_199_000)
        for bad in ["Fri, 30 Feb 2024 00:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 6 Nov 1994 08:49:37 GMT",
                    "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "tomorrow", ""] {
            XCTAssertNil(HTTPDate.parse_ms(bad), bad)
        }
    }

    func testRetryAfterReadAgainstTheResponsesDate() {
        func wish(_ retryAfter: String, date: String?) -> Int64? {
            var h = HTTPHeaders()
            h.add("Retry-After", retryAfter)
            if let date { h.add("Date", date) }
            return HTTPAnswer.retryAfter_ms(h)
        }
        XCTAssertEqual(wish("120", date: nil), 120_000)
        XCTAssertEqual(wish("Sun, 06 Nov 1994 08:51:37 GMT", date: "Sun, 06 Nov 1994 08:49:37 GMT"), 120_000)
        XCTAssertEqual(wish("Sun, 06 Nov 1994 08:49:00 GMT", date: "Sun, 06 Nov 1994 08:49:37 GMT"), 0, "a past date means now")
        XCTAssertNil(wish("Sun, 06 Nov 1994 08:51:37 GMT", date: nil), "no clock to read it against")
        XCTAssertNil(wish("Mon, 07 Nov 1994 08:49:38 GMT", date: "Sun, 06 Nov 1994 08:49:37 GMT"), "over a day")
        XCTAssertNil(wish("-5", date: nil))
    }

    /// No `Date` on the 429: the stage dates it from the wall clock it was given at start plus
    /// the monotonic time since, and waits until the provider's date.
    func testStageWaitsUntilTheDateByItsInjectedWallClock() throws {
        let wall: Int64 = 1_700_000_000_000
        let carrier = CapturingCarrier(), sink = RecordingSink()
        var h = harness(carrier, sink: sink, wall_ms: wall)
        h.advance(by: 500_000_000)
        var r = SimulatedHTTPProviders.text(429, "rate_limited")
        r.headers.add("Retry-After", HTTPDate.imfFixdate(ms: wall + 500 + 5_000))
        _ = h.drainEffects()
        let now = h.now_ns
        h.feed(CarriedAnswer.response(try XCTUnwrap(carrier.requests.first).exchange, r).event)
        XCTAssertEqual(sink.attempts.first?.result, .transient("429 rate_limited", retryAfter_ms: 5_000))
        XCTAssertTrue(h.drainEffects().contains { if case .setTimer(_, now + 5_000_000_000) = $0 { return true } else { return false } })
        h.advance(by: 4_999_000_000)
        XCTAssertEqual(carrier.requests.count, 1)
        h.advance(by: 1_000_000)
        XCTAssertEqual(carrier.requests.count, 2)
    }
}
