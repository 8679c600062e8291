import XCTest
@testable import RcomCore

/// One list, two pages: every entry is a `/stats` member and a `/metrics` family with the same
/// value, and `missing` names what a page rendered beside the registry lacks.
final class MetricsRegistryTests: XCTestCase {
    func registry() -> MetricsRegistry {
        var r = MetricsRegistry(prefix: "rcom_test")
        r.counter("requests", "Requests.", 7)
        r.counter("timeouts", "Timeouts.", 2, name: "rcom_test_callback_timeouts_total")
        r.counter("faults", "Faults by kind.", label: "kind", [("reset", 3), ("delay", 0)])
        r.gauge("waiting", "Waiting.", 4)
        r.gauge("draining", "Draining.", flag: true)
        r.counter("sent", "Sent by channel and outcome.", labels: ["channel", "outcome"], [(["slack", "ok"], 5), (["sms", "failed"], 1)])
        return r
    }

    func page(_ r: MetricsRegistry) -> String {
        var m = PrometheusExposition()
        r.render(into: &m)
        return m.text
    }

    func testBothRenderingsCarryEveryEntry() throws {
        let r = registry()
        XCTAssertEqual(r.json, #"{"requests":7,"timeouts":2,"faults":{"reset":3,"delay":0},"waiting":4,"draining":true,"sent":{"slack/ok":5,"sms/failed":1}}"#)
        let text = page(r)
        XCTAssertTrue(text.contains("# TYPE rcom_test_requests_total counter\nrcom_test_requests_total 7\n"), text)
        XCTAssertTrue(text.contains("# TYPE rcom_test_callback_timeouts_total counter\nrcom_test_callback_timeouts_total 2\n"), text)
        XCTAssertTrue(text.contains("rcom_test_faults_total{kind=\"reset\"} 3\nrcom_test_faults_total{kind=\"delay\"} 0\n"), text)
        XCTAssertTrue(text.contains("# TYPE rcom_test_waiting gauge\nrcom_test_waiting 4\n"), text)
        XCTAssertTrue(text.contains("# TYPE rcom_test_draining gauge\nrcom_test_draining 1\n"), text)
        XCTAssertTrue(text.contains("rcom_test_sent_total{channel=\"slack\",outcome=\"ok\"} 5\nrcom_test_sent_total{channel=\"sms\",outcome=\"failed\"} 1\n"), text)
        XCTAssertEqual(r.missing(stats: r.json), [])
        XCTAssertEqual(r.missing(metrics: text), [])
    }

    /// A number rendered by hand beside the registry (or left out of one page) is reported.
    func testMissingNamesWhatAPageLacks() {
        let r = registry()
        var short = MetricsRegistry(prefix: "rcom_test")
        short.counter("requests", "Requests.", 7)
        XCTAssertEqual(r.missing(stats: short.json), [#"/stats lacks "timeouts":2"#, #"/stats lacks "faults":{"reset":3,"delay":0}"#,
                                                      #"/stats lacks "waiting":4"#, #"/stats lacks "draining":true"#,
                                                      #"/stats lacks "sent":{"slack/ok":5,"sms/failed":1}"#])
        let problems = r.missing(metrics: page(short))
        XCTAssertTrue(problems.contains("/metrics lacks # TYPE rcom_test_callback_timeouts_total counter"), "\(problems)")
        XCTAssertTrue(problems.contains(#"/metrics lacks rcom_test_faults_total{kind="reset"} 3"#), "\(problems)")
        XCTAssertTrue(problems.contains(#"/metrics lacks rcom_test_sent_total{channel="sms",outcome="failed"} 1"#), "\(problems)")
        XCTAssertFalse(problems.contains { $0.contains("rcom_test_requests_total") }, "\(problems)")
        var stale = MetricsRegistry(prefix: "rcom_test")
        stale.counter("requests", "Requests.", 6)
        XCTAssertEqual(short.missing(stats: stale.json), [#"/stats lacks "requests":7"#], "a value that drifted")
        XCTAssertEqual(short.missing(metrics: page(stale)), ["/metrics lacks rcom_test_requests_total 7"], "a value that drifted")
    }
}
