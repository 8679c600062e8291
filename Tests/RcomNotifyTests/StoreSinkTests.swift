import XCTest
import RcomCore
@testable import RcomNotify

/// `StoreSink` across reactor runs: each run's monotonic clock is its own, so a sink reused for
/// a second run (`rcom notify`'s fallback rounds) sees time go back. It must pass every report
/// on (before, the commit-interval subtraction trapped on the smaller time).
final class StoreSinkTests: XCTestCase {
    func testASinkReusedWithAClockThatStartedOverPassesEveryReportOn() {
        var passed: [DeliveryReport] = []
        let sink = StoreSink(store: nil) { passed.append($0) }
        let outcome = DeliveryOutcome(notification: Deliver.notification("sms", "+15050000000"), delivered: true,
                                      result: .delivered(providerID: "m1"), attempts: 1)
        sink.report(.finished(outcome), now_ns: 5_000_000_000)   // late in the first run
        sink.report(.finished(outcome), now_ns: 1_000)           // early in the next run
        sink.finish()
        XCTAssertEqual(passed.count, 2)
        XCTAssertEqual(sink.storeErrors, 0)
    }
}
