import XCTest
@testable import RcomCore

final class PrometheusExpositionTests: XCTestCase {
    func testCounterAndGaugeFamiliesAreWrittenWhole() {
        var m = PrometheusExposition()
        m.counter("rcom_requests_total", "Requests parsed.", 42)
        m.gauge("rcom_clients_waiting", "Clients waiting for a callback.", 3)
        m.counter("rcom_sent_total", "Messages by channel.", labeled: [([("channel", "email")], 5), ([("channel", "sms")], 0)])
        XCTAssertEqual(m.text, """
        # HELP rcom_requests_total Requests parsed.
        # TYPE rcom_requests_total counter
        rcom_requests_total 42
        # HELP rcom_clients_waiting Clients waiting for a callback.
        # TYPE rcom_clients_waiting gauge
        rcom_clients_waiting 3
        # HELP rcom_sent_total Messages by channel.
        # TYPE rcom_sent_total counter
        rcom_sent_total{channel="email"} 5
        rcom_sent_total{channel="sms"} 0

        """)
    }

    func testLabelValuesAndHelpAreEscaped() {
        XCTAssertEqual(PrometheusExposition.escapeLabelValue(#"a\b"c"# + "\nd"), #"a\\b\"c\nd"#)
        XCTAssertEqual(PrometheusExposition.escapeLabelValue("plain ünïcode"), "plain ünïcode")
        // A CR LF pair is one Character; its line feed must still be escaped.
        XCTAssertEqual(PrometheusExposition.escapeLabelValue("x\r\ny"), "x\r\\ny")
        XCTAssertEqual(PrometheusExposition.escapeHelp(#"say "hi" \ bye"# + "\n"), #"say "hi" \\ bye\n"#)

        var m = PrometheusExposition()
        m.counter("x_total", "line one\nline two", labeled: [([("path", "/a\"b\\c\nd")], 1)])
        XCTAssertEqual(m.text, "# HELP x_total line one\\nline two\n# TYPE x_total counter\nx_total{path=\"/a\\\"b\\\\c\\nd\"} 1\n")
    }

    func testHistogramBucketsAreCumulativeAndEndWithInf() {
        var h = Histogram(bounds: [0.1, 0.5, 1])
        for v in [0.05, 0.1, 0.3, 2, 0.1000001] { h.observe(v) }
        h.observe(.nan)
        XCTAssertEqual(h.bucketCounts, [2, 2, 0, 1])
        XCTAssertEqual(h.cumulativeCounts, [2, 4, 4, 5])
        XCTAssertEqual(h.count, 5)
        var m = PrometheusExposition()
        m.histogram("rcom_wait_seconds", "Wait.", labeled: [([("kind", "a")], h)])
        XCTAssertEqual(m.text, """
        # HELP rcom_wait_seconds Wait.
        # TYPE rcom_wait_seconds histogram
        rcom_wait_seconds_bucket{kind="a",le="0.1"} 2
        rcom_wait_seconds_bucket{kind="a",le="0.5"} 4
        rcom_wait_seconds_bucket{kind="a",le="1"} 4
        rcom_wait_seconds_bucket{kind="a",le="+Inf"} 5
        rcom_wait_seconds_sum \(PrometheusExposition.format(0.05 + 0.1 + 0.3 + 2 + 0.1000001))
        rcom_wait_seconds_count 5

        """.replacingOccurrences(of: "_sum ", with: "_sum{kind=\"a\"} ").replacingOccurrences(of: "_count 5", with: "_count{kind=\"a\"} 5"))
    }

    func testDurationsBetweenInstantsAreSeconds() {
        var h = Histogram(bounds: [0.001, 0.5])
        h.observe(from: 1_000_000_000, to: 1_000_400_000)   // 0.4 ms
        h.observe(from: 2_000_000_000, to: 2_500_000_000)   // exactly 0.5 s: le is inclusive
        h.observe(from: 5, to: 3)                           // backwards: counted as 0, not wrapped
        XCTAssertEqual(h.bucketCounts, [2, 1, 0])
        XCTAssertEqual(h.sum, 0.5004, accuracy: 1e-12)
    }

    func testNumbersAreFormattedAsTheFormatParsesThem() {
        XCTAssertEqual(PrometheusExposition.format(1.0), "1")
        XCTAssertEqual(PrometheusExposition.format(0.005), "0.005")
        XCTAssertEqual(PrometheusExposition.format(2.5), "2.5")
        XCTAssertEqual(PrometheusExposition.format(1e-5), "1e-05")
        XCTAssertEqual(PrometheusExposition.format(Double.infinity), "+Inf")
        XCTAssertEqual(PrometheusExposition.format(-Double.infinity), "-Inf")
        XCTAssertEqual(PrometheusExposition.format(Double.nan), "NaN")
        XCTAssertEqual(PrometheusExposition.format(1e20), "1e+20")
    }

    func testNamesAreChecked() {
        XCTAssertTrue(PrometheusExposition.isValidName("rcom_proxy_added_latency_seconds"))
        XCTAssertTrue(PrometheusExposition.isValidName("a:b_c9"))
        XCTAssertFalse(PrometheusExposition.isValidName("9abc"))
        XCTAssertFalse(PrometheusExposition.isValidName("a-b"))
        XCTAssertFalse(PrometheusExposition.isValidName(""))
        XCTAssertTrue(PrometheusExposition.isValidLabelName("channel"))
        XCTAssertFalse(PrometheusExposition.isValidLabelName("__name"))
        XCTAssertFalse(PrometheusExposition.isValidLabelName("a:b"))
    }

    /// Observing must not copy the bucket array (a copy per request would be an allocation):
    /// held the way a pipeline holds it, the buffer stays the one allocated at init.
    func testObservingKeepsItsBuffer() {
        struct Owner { var metrics = Inner() }
        struct Inner { var latency = Histogram(bounds: HistogramBuckets.latency) }
        var owner = Owner()
        let before = owner.metrics.latency.bucketCounts.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        for i in 0..<100_000 { owner.metrics.latency.observe(Double(i % 1000) / 100) }
        let after = owner.metrics.latency.bucketCounts.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        XCTAssertEqual(before, after)
        XCTAssertEqual(owner.metrics.latency.count, 100_000)

        // And what one observation costs (printed for the record, not asserted: shared machine).
        var h = Histogram(bounds: HistogramBuckets.latency)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<1_000_000 { h.observe(Double(i & 1023) * 0.001) }
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        print("Histogram.observe: \(String(format: "%.1f", ns)) ns per observation (\(h.count) observations)")
    }
}
