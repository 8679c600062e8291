import XCTest
import RcomCore
@testable import RcomNotify

/// `rcom track` and the providers simulator serve their stats page and `/metrics` from one
/// registry: every counter and gauge is on both pages, with the same value, after some traffic.
final class NotifyMetricsRegistryServedTests: XCTestCase {
    /// `clicks`: answer what the request handed to the store worker.
    static func get<P: EventPipeline>(_ h: inout EmbeddedHarness<P>, _ path: String, from raw: UInt64, agent: String = "t",
                                      clicks: HTTPServingTests.Clicks? = nil) -> String {
        let c = ConnectionID(raw: raw)
        h.feed(.accepted(c, listener: 0))
        h.feed(.received(c, Array("GET \(path) HTTP/1.1\r\nHost: t\r\nUser-Agent: \(agent)\r\nConnection: close\r\n\r\n".utf8)))
        if let clicks { h.feed(clicks.answers()) }
        let text = HTTPServingTests.wire(h.drainEffects(), c).text
        return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    }

    func testTrackServesEveryCounterOnBothPages() {
        let clicks = HTTPServingTests.Clicks()
        var h = EmbeddedHarness(TrackPipeline(clicks: clicks, redirect: nil))
        _ = Self.get(&h, HTTPServingTests.link, from: 1, clicks: clicks)
        _ = Self.get(&h, HTTPServingTests.link, from: 2, agent: "Slackbot-LinkExpanding 1.0", clicks: clicks)
        let stats = Self.get(&h, "/stats", from: 3)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(stats: stats), [])
        let metrics = Self.get(&h, "/metrics", from: 4)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(metrics: metrics), [])
        XCTAssertTrue(stats.contains(#""clicks":{"first":1,"repeated":0,"unknown":0,"not_counted":1,"store_error":0}"#), stats)
    }

    func testTheSimulatorServesEveryCounterOnBothPages() {
        var h = EmbeddedHarness(ProvidersPipeline(config: ProvidersConfig()))
        _ = Self.get(&h, "/nowhere", from: 1)
        let stats = Self.get(&h, "/_sim/stats", from: 2)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(stats: stats), [])
        let metrics = Self.get(&h, "/metrics", from: 3)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(metrics: metrics), [])
        XCTAssertTrue(stats.contains(#""requests":{"email":0,"sms":0,"slack":0,"webhook":0}"#), stats)
    }
}
