import Foundation
import XCTest
import RcomCore
@testable import RcomJobs

/// The operator's view of the real binary: `GET /metrics` passes `promtool check metrics` and
/// counts what happened, `/healthz` and the first log line name the build, and a server is
/// configured from RCOM_* variables alone.
final class MetricsEndpointTests: XCTestCase {
    static func start(_ account: String, callbackPort: Int? = nil) -> String {
        callbackPort.map { #"{"account":"\#(account)","wait":false,"callback":"http://127.0.0.1:\#($0)/cb"}"# }
            ?? #"{"account":"\#(account)","wait":true}"#
    }

    func testJobServerMetricsPassPromtoolAndCountJobsAndCallbacks() throws {
        let log = Locked<[CallbackSink.Received]>([])
        let sink = try TestServer(CallbackSink(log: log))
        let server = try ServerProcess(["jobserver", "--port", "0", "--job-ms", "20", "--secret", "s"])
        defer { server.stop() }
        for i in 0..<3 { XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.start("w\(i)")).status, 200) }
        for i in 0..<2 {
            XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.start("c\(i)", callbackPort: sink.port)).status, 200)
        }
        // The callbacks' answers reach the server after the sink saw them: wait for the counter.
        var page = ""
        XCTAssertTrue(BlockingHTTP.eventually {
            page = String(decoding: (try? BlockingHTTP.get(port: server.port, path: "/metrics"))?.body ?? [], as: UTF8.self)
            return Exposition.samples(page)["rcom_jobserver_callbacks_answered_total"] == 2
        }, page)
        let response = try BlockingHTTP.get(port: server.port, path: "/metrics")
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        page = String(decoding: response.body, as: UTF8.self)
        XCTAssertNil(try Promtool.problems(page))

        let s = Exposition.samples(page)
        XCTAssertEqual(s["rcom_jobserver_jobs_started_total"], 5)
        XCTAssertEqual(s["rcom_jobserver_wait_responses_total"], 3)
        XCTAssertEqual(s["rcom_jobserver_job_duration_seconds_count"], 5)
        XCTAssertEqual(s[#"rcom_jobserver_job_duration_seconds_bucket{le="+Inf"}"#], 5)
        XCTAssertEqual(s[#"rcom_jobserver_job_duration_seconds_bucket{le="0.1"}"#], 5, "20 ms jobs: all under the first bound, 0.1 s")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(s["rcom_jobserver_job_duration_seconds_sum"]), 5 * 0.020)
        XCTAssertEqual(s["rcom_jobserver_callback_latency_seconds_count"], 2)
        XCTAssertEqual(s["rcom_jobserver_jobs_in_flight"], 0)
        XCTAssertEqual(s[#"rcom_jobserver_faults_injected_total{kind="reset"}"#], 0)
        XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/metrics", json: "{}").status, 405)
    }

    func testProxyMetricsPassPromtoolAndObserveTheJobs() throws {
        let server = try ServerProcess(["jobserver", "--port", "0", "--job-ms", "20", "--secret", "s"])
        defer { server.stop() }
        let proxy = try ServerProcess(["proxy", "--host", "127.0.0.1", "--port", "0", "--upstream", "http://127.0.0.1:\(server.port)"])
        defer { proxy.stop() }
        for i in 0..<4 { XCTAssertEqual(try BlockingHTTP.post(port: proxy.port, path: "/start", json: Self.start("p\(i)")).status, 200) }
        let response = try BlockingHTTP.get(port: proxy.port, path: "/metrics")
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        let page = String(decoding: response.body, as: UTF8.self)
        XCTAssertNil(try Promtool.problems(page))
        let s = Exposition.samples(page)
        XCTAssertEqual(s["rcom_proxy_jobs_delivered_total"], 4)
        XCTAssertEqual(s["rcom_proxy_callback_wait_seconds_count"], 4)
        XCTAssertEqual(s["rcom_proxy_upstream_start_latency_seconds_count"], 4)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(s["rcom_proxy_callback_wait_seconds_sum"]), 4 * 0.020, "each wait covers a 20 ms job")
        let health = BlockingHTTP.json(try BlockingHTTP.get(port: proxy.port, path: "/healthz"))
        XCTAssertNotNil(health["commit"], "\(health)")
    }

    /// issue 28: a callback that never comes is answered 504 at --callback-timeout and counted
    /// where the operator looks, apart from callbacks that came late.
    func testProxyMetricsCountTheCallbacksThatNeverCame() throws {
        let server = try ServerProcess(["jobserver", "--port", "0", "--job-ms", "20", "--secret", "s", "--faults", "drop-callback=1"])
        defer { server.stop() }
        let proxy = try ServerProcess(["proxy", "--host", "127.0.0.1", "--port", "0", "--callback-timeout", "200ms",
                                       "--upstream", "http://127.0.0.1:\(server.port)"])
        defer { proxy.stop() }
        for i in 0..<2 {
            let r = try BlockingHTTP.post(port: proxy.port, path: "/start", json: Self.start("lost\(i)"))
            XCTAssertEqual(r.status, 504, String(decoding: r.body, as: UTF8.self))
        }
        let s = Exposition.samples(String(decoding: try BlockingHTTP.get(port: proxy.port, path: "/metrics").body, as: UTF8.self))
        XCTAssertEqual(s["rcom_proxy_callback_timeouts_total"], 2)
        XCTAssertEqual(s["rcom_proxy_callbacks_late_total"], 0)
        XCTAssertEqual(s["rcom_proxy_jobs_started_total"], 2)
        XCTAssertEqual(s["rcom_proxy_jobs_delivered_total"], 0)
    }

    func testTrackAndProviderSimulatorMetricsPassPromtool() throws {
        let dir = NSTemporaryDirectory() + "rcom-metrics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let track = try ServerProcess(["track", "--port", "0", "--db", dir + "/db.sqlite"])
        defer { track.stop() }
        XCTAssertEqual(try BlockingHTTP.get(port: track.port, path: "/e/n0000000000000001").status, 404, "no such notification")
        XCTAssertEqual(try BlockingHTTP.get(port: track.port, path: "/elsewhere").status, 404)
        let trackPage = String(decoding: try BlockingHTTP.get(port: track.port, path: "/metrics").body, as: UTF8.self)
        XCTAssertNil(try Promtool.problems(trackPage))
        let t = Exposition.samples(trackPage)
        XCTAssertEqual(t[#"rcom_track_clicks_total{result="unknown"}"#], 1)
        XCTAssertEqual(t[#"rcom_track_clicks_total{result="first"}"#], 0)
        XCTAssertEqual(t["rcom_track_requests_total"], 3, "the two above and this one")
        XCTAssertNotNil(BlockingHTTP.json(try BlockingHTTP.get(port: track.port, path: "/healthz"))["version"] as? String)

        let providers = try ServerProcess(["providers", "--port", "0", "--quiet"])
        defer { providers.stop() }
        XCTAssertEqual(try BlockingHTTP.post(port: providers.port, path: "/slack/ops/alerts", json: #"{"text":"disk at 80%"}"#).status, 200)
        let providersPage = String(decoding: try BlockingHTTP.get(port: providers.port, path: "/metrics").body, as: UTF8.self)
        XCTAssertNil(try Promtool.problems(providersPage))
        let p = Exposition.samples(providersPage)
        XCTAssertEqual(p[#"rcom_providers_requests_total{channel="slack"}"#], 1)
        XCTAssertEqual(p[#"rcom_providers_accepted_total{channel="slack"}"#], 1)
        XCTAssertEqual(p[#"rcom_providers_requests_total{channel="email"}"#], 0, "every channel is listed")
        XCTAssertNotNil(BlockingHTTP.json(try BlockingHTTP.get(port: providers.port, path: "/healthz"))["version"] as? String)
    }

    func testHealthzAndTheFirstLogLineNameTheBuild() throws {
        let version = try RcomBinary.run(["--version"])
        XCTAssertEqual(version.status, 0)
        let line = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = try XCTUnwrap(line.range(of: #"^rcom (\d+\.\d+\.\d+) \(commit ([0-9a-f]{40}|unknown)\)$"#, options: .regularExpression), line)
        XCTAssertEqual(try RcomBinary.run(["version"]).stdout, version.stdout)
        let parts = line[match].split(separator: " ")
        let semver = String(parts[1]), commit = String(parts[3].dropLast())

        // Environment only: port, log format (RCOM_<COMMAND>_<OPTION>).
        let server = try ServerProcess(["jobserver", "--secret", "s"],
                                       environment: ["RCOM_JOBSERVER_PORT": "0", "RCOM_JOBSERVER_LOG_FORMAT": "json"])
        defer { server.stop() }
        let health = BlockingHTTP.json(try BlockingHTTP.get(port: server.port, path: "/healthz"))
        XCTAssertEqual(health["ok"] as? Bool, true)
        XCTAssertEqual(health["version"] as? String, semver)
        XCTAssertEqual(health["commit"] as? String, commit)

        let first = try XCTUnwrap(server.log.split(separator: "\n").first)
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any], String(first))
        XCTAssertEqual(record["msg"] as? String, "starting")
        XCTAssertEqual(record["version"] as? String, semver)
        XCTAssertEqual(record["commit"] as? String, commit)
        XCTAssertNotNil(UTCTimestampCheck.parse(record["ts"] as? String ?? ""), "ts is RFC 3339 with milliseconds")
    }

    /// The commit `rcom --version` reports is one this checkout has (built from this tree: it is
    /// HEAD or, if someone committed since the build, an ancestor of it).
    func testTheReportedCommitIsInThisCheckout() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", root.path, "rev-parse", "HEAD"]
        git.standardOutput = Pipe()
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { throw XCTSkip("no git on this machine") }
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { throw XCTSkip("not a git checkout: the build reports 'unknown'") }
        let line = try RcomBinary.run(["--version"]).stdout
        let commit = try XCTUnwrap(line.range(of: "[0-9a-f]{40}", options: .regularExpression).map { String(line[$0]) }, line)
        let ancestor = Process()
        ancestor.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ancestor.arguments = ["git", "-C", root.path, "merge-base", "--is-ancestor", commit, "HEAD"]
        try ancestor.run()
        ancestor.waitUntilExit()
        XCTAssertEqual(ancestor.terminationStatus, 0, "\(commit) is not HEAD or an ancestor of it")
    }

    func testAccessLogLinesForEachRequest() throws {
        let server = try ServerProcess(["jobserver", "--port", "0", "--job-ms", "1", "--secret", "s", "--access-log"])
        defer { server.stop() }
        XCTAssertEqual(try BlockingHTTP.get(port: server.port, path: "/nope?token=abc").status, 404)
        XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.start("a")).status, 200)
        XCTAssertTrue(BlockingHTTP.eventually { server.log.components(separatedBy: " request ").count == 3 }, server.log)
        let lines = server.log.split(separator: "\n").filter { $0.contains(" INFO request ") }
        XCTAssertTrue(lines[0].hasSuffix("method=GET path=/nope status=404 duration_ms=\(lines[0].split(separator: "=")[4].split(separator: " ")[0]) bytes=\(lines[0].split(separator: "=").last!)"), String(lines[0]))
        XCTAssertFalse(server.log.contains("abc"), "queries are not logged")
        XCTAssertTrue(lines[1].contains("method=POST path=/start status=200"), String(lines[1]))
    }
}

/// RFC 3339 with milliseconds, UTC (the shape UTCTimestamp writes).
enum UTCTimestampCheck {
    static func parse(_ s: String) -> Int64? { ISO8601.parse(s) }
}
