import XCTest
@testable import RcomCore
@testable import RcomJobs

/// The proxy and the job server serve `/stats` and `/metrics` from one registry: every counter
/// and gauge is on both pages, with the same value, after some traffic.
final class MetricsRegistryServedTests: XCTestCase {
    /// The body of the answer written to `id`.
    static func body(_ effects: [ReactorEffect], _ id: ConnectionID) -> String {
        let text = effects.compactMap { if case .write(id, let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }.joined()
        return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    }

    static func get<P: EventPipeline>(_ h: inout EmbeddedHarness<P>, _ path: String, from raw: UInt64) -> String {
        let c = ConnectionID(raw: raw)
        h.feed(.accepted(c, listener: 0))
        return body(h.feed(.received(c, Array("GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))), c)
    }

    func testTheProxyServesEveryCounterOnBothPages() {
        let config = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: 9000), publicURL: HTTPURL(host: "127.0.0.1", port: 8080))
        var h = EmbeddedHarness(ProxyPipeline(config: config, entropy: SeededEntropy(seed: 1)))
        let client = ConnectionID(raw: 1)
        h.feed(.accepted(client, listener: 0))
        h.feed(.received(client, Array("POST / HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\n{}".utf8)))
        let job = #"{"account":"acc","wait":true}"#
        h.feed(.received(client, Array("POST / HTTP/1.1\r\nHost: p\r\nContent-Length: \(job.utf8.count)\r\n\r\n\(job)".utf8)))
        let stats = Self.get(&h, "/stats", from: 2)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(stats: stats), [])
        let metrics = Self.get(&h, "/metrics", from: 3)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(metrics: metrics), [])
        XCTAssertTrue(stats.contains(#""bad_requests":1"#) && stats.contains(#""requests":2"#), stats)
        for name in ["upstream_ambiguous", "ambiguous_unresolved", "upstream_malformed_accepts", "upstream_idle_releases"] {
            XCTAssertTrue(metrics.contains("# TYPE rcom_proxy_\(name)_total counter\n"), "once only on /stats: \(name)")
        }
    }

    func testTheJobServerServesEveryCounterOnBothPages() {
        var h = EmbeddedHarness(JobServerPipeline(config: Fixtures.jobServerConfig(job_ms: 100), entropy: SeededEntropy(seed: 3)))
        let client = ConnectionID(raw: 1)
        h.feed(.accepted(client, listener: 0))
        h.feed(.received(client, Array("POST /start HTTP/1.1\r\nHost: j\r\nContent-Length: 2\r\n\r\n{}".utf8)))
        let stats = Self.get(&h, "/stats", from: 2)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(stats: stats), [])
        let metrics = Self.get(&h, "/metrics", from: 3)
        XCTAssertEqual(h.pipeline.metricsRegistry.missing(metrics: metrics), [])
        XCTAssertTrue(stats.contains(#""bad_requests":1"#), stats)
        XCTAssertTrue(metrics.contains("# TYPE rcom_jobserver_starts_repeated_total counter\n"), "once only on /stats")
    }
}
