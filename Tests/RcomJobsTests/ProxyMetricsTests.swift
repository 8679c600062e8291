import Foundation
import XCTest
@testable import RcomCore
@testable import RcomJobs

/// The proxy's metrics page, as the pipeline will serve it: well-formed for Prometheus, every
/// /stats number present, and the latencies computed as documented.
final class ProxyMetricsTests: XCTestCase {
    func page(_ configure: (inout ProxyMetrics) -> Void = { _ in }) -> String {
        var metrics = ProxyMetrics()
        configure(&metrics)
        var stats = ProxyStats()
        stats.requests = 12; stats.jobsStarted = 10; stats.jobsDelivered = 9; stats.timeouts = 1; stats.badRequests = 2
        var server = HTTPServerTable.Counters()
        server.malformed = 3; server.idleTimeouts = 4
        let gauges = ProxyMetrics.Gauges(clientsWaiting: 1, clientConnections: 5, upstreamConnections: 2, upstreamQueued: 0,
                                         finishedTokensRemembered: 9, draining: true)
        let registry = ProxyMetrics.registry(stats: stats, server: server, gauges: gauges, upstreamConnectRetries: 3, upstreamIdleReleases: 6)
        return metrics.render(registry, build: BuildLabel(version: "0.9.0", commit: "abc\"def"))
    }

    func testThePagePassesPromtoolAndCarriesTheStats() throws {
        let text = page { m in
            m.observeUpstreamStart(sent_ns: 1_000_000, answered_ns: 3_000_000)
            m.observeCallbackWait(startSent_ns: 1_000_000, callback_ns: 501_000_000)
            m.observeJobAnswered(requested_ns: 0, startSent_ns: 1_000_000, callback_ns: 501_000_000, answered_ns: 508_000_000)
            m.observeRequestAnswered(requested_ns: 0, answered_ns: 30_000_000)
        }
        XCTAssertNil(try Promtool.problems(text))
        let s = Exposition.samples(text)
        XCTAssertEqual(s["rcom_proxy_requests_total"], 12)
        XCTAssertEqual(s["rcom_proxy_bad_requests_total"], 5, "the stage's and the codec's, as /stats adds them")
        XCTAssertEqual(s["rcom_proxy_idle_timeouts_total"], 4)
        XCTAssertEqual(s["rcom_proxy_upstream_connect_retries_total"], 3)
        XCTAssertEqual(s["rcom_proxy_upstream_idle_releases_total"], 6)
        XCTAssertEqual(s["rcom_proxy_draining"], 1)
        XCTAssertEqual(s[#"rcom_build_info{version="0.9.0",commit="abc\"def"}"#], 1, "label values escaped")
        XCTAssertEqual(s["rcom_proxy_request_duration_seconds_count"], 2)
        XCTAssertEqual(try XCTUnwrap(s["rcom_proxy_request_duration_seconds_sum"]), 0.538, accuracy: 1e-9)
        // 508 ms in all, of which 500 ms were the job server's (start written → callback): 8 ms added.
        XCTAssertEqual(s["rcom_proxy_added_latency_seconds_count"], 1)
        XCTAssertEqual(try XCTUnwrap(s["rcom_proxy_added_latency_seconds_sum"]), 0.008, accuracy: 1e-9)
        XCTAssertEqual(s[#"rcom_proxy_added_latency_seconds_bucket{le="0.005"}"#], 0)
        XCTAssertEqual(s[#"rcom_proxy_added_latency_seconds_bucket{le="0.01"}"#], 1)
        XCTAssertEqual(try XCTUnwrap(s["rcom_proxy_upstream_start_latency_seconds_sum"]), 0.002, accuracy: 1e-9)
        XCTAssertEqual(s[#"rcom_proxy_callback_wait_seconds_bucket{le="0.5"}"#], 1)
    }

    /// Every key of /stats has its family (renamed to Prometheus conventions), so nothing an
    /// operator reads in /stats is missing from the scrape.
    func testEveryStatsFieldHasAFamily() {
        let text = page()
        let families = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let statsKeys = ["clients_waiting", "client_connections", "upstream_connections", "upstream_queued", "requests",
                         "jobs_started", "jobs_delivered", "forwarded_async", "callbacks_matched", "callbacks_early",
                         "callbacks_unknown", "callbacks_duplicate", "callbacks_late", "timeouts", "clients_gone",
                         "upstream_connect_retries", "upstream_idle_releases", "upstream_failures", "upstream_ambiguous",
                         "ambiguous_unresolved", "upstream_malformed_accepts", "upstream_timeouts", "upstream_errors_passed",
                         "bad_requests", "refused_overload", "request_timeouts", "idle_timeouts", "connections_evicted",
                         "connections_refused_at_limit", "finished_tokens_remembered", "draining"]
        for key in statsKeys {
            let name = key == "timeouts" ? "callback_timeouts" : key
            XCTAssertTrue(families.contains("rcom_proxy_\(name)") || families.contains("rcom_proxy_\(name)_total"), "no family for /stats \(key)")
        }
    }
}
