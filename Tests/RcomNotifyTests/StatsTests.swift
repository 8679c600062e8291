import XCTest
@testable import RcomNotify

final class StatsTests: XCTestCase {
    func testWilsonInterval() {
        let (lo, hi) = ProportionStats.wilson(successes: 20, trials: 100)
        XCTAssertEqual(lo, 0.1333, accuracy: 1e-4)
        XCTAssertEqual(hi, 0.2888, accuracy: 1e-4)
        let zero = ProportionStats.wilson(successes: 0, trials: 10)
        XCTAssertEqual(zero.low, 0)
        XCTAssertEqual(zero.high, 0.2775, accuracy: 1e-4)
        XCTAssertEqual(ProportionStats.wilson(successes: 0, trials: 0).high, 1)
    }

    func testTwoProportionZ() {
        let r = ProportionStats.twoProportionZ(50, 100, 30, 100)
        XCTAssertEqual(r.z, 2.8868, accuracy: 1e-3)
        XCTAssertEqual(r.p, 0.00389, accuracy: 1e-4)
    }

    func testFisherExact() {
        // Fisher's lady tasting tea: 3 of 4 right on each side.
        XCTAssertEqual(ProportionStats.fisherExact(3, 1, 1, 3), 0.4857, accuracy: 1e-4)
        XCTAssertEqual(ProportionStats.fisherExact(4, 0, 0, 4), 0.02857, accuracy: 1e-4)
        XCTAssertEqual(ProportionStats.compare(3, 4, 1, 4).test, "fisher")
        XCTAssertEqual(ProportionStats.compare(50, 100, 30, 100).test, "z")
    }

    func testReportSaysNotYetSignificant() {
        var a = ChannelCounts(channel: "sms"), b = ChannelCounts(channel: "slack")
        (a.notifications, a.delivered, a.engaged) = (10, 10, 4)
        (b.notifications, b.delivered, b.engaged) = (10, 10, 3)
        let r = EngagementReport(counts: [b, a], population: "test")
        XCTAssertEqual(r.lead?.leader, "sms")
        XCTAssertTrue(r.verdict.contains("not yet significant"), r.verdict)
        XCTAssertTrue(EngagementChart.svg(r).hasPrefix("<svg"))
        XCTAssertTrue(r.json.contains(#""significant":false"#))
    }

    /// The README's three sends, before anyone clicks: every rate is 0 %, and no channel is ahead
    /// of another (it once said "email ahead of slack", by the names' order).
    func testEqualRatesHaveNoLeader() {
        var counts: [ChannelCounts] = []
        for name in ["email", "slack", "sms"] {
            var c = ChannelCounts(channel: name)
            (c.notifications, c.delivered, c.engaged) = (1, 1, 0)
            counts.append(c)
        }
        let none = EngagementReport(counts: counts, population: "test")
        XCTAssertNil(none.lead)
        XCTAssertTrue(none.verdict.hasPrefix("no engagement recorded yet"), none.verdict)
        XCTAssertFalse(none.json.contains("\"lead\""), none.json)

        counts[0].engaged = 1
        counts[2].engaged = 1
        let tied = EngagementReport(counts: counts, population: "test")
        XCTAssertNil(tied.lead)
        XCTAssertEqual(tied.verdict, "no channel leads: email and sms have the same rate, 100.0%")
    }
}
