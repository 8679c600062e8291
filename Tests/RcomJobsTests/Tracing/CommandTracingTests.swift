import Foundation
import Glibc
import XCTest
import RcomCore
@testable import RcomReactor

/// `rcom notify`, `rcom send` and `rcom blacklist` as child processes exporting to the real
/// OTLP receiver (scripts/otlp-receiver.py, decoding with opentelemetry-proto): the trees they
/// send, sampling 0, no endpoint, a bad setting, and a collector that never answers.
final class CommandTracingTests: XCTestCase {
    private func directory() -> String {
        let path = NSTemporaryDirectory() + "rcom-cmdtrace-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func rcom(_ args: [String], _ env: [String: String]) throws -> RcomBinary.Output {
        try RcomBinary.run(args, environment: ["PATH": "/usr/bin:/bin"].merging(env) { $1 })
    }

    /// The receiver's spans once `count` have arrived (the exporter flushes before exit, so they
    /// are there when the command has ended; the deadline only guards a broken run).
    private func spans(_ receiver: OTLPReceiverProcess, count: Int) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(10)
        var got = try receiver.spans()
        while got.count < count, Date() < deadline {
            usleep(20_000)
            got = try receiver.spans()
        }
        return got
    }

    private func attributes(_ span: [String: Any]) -> [String: Any] { span["attributes"] as? [String: Any] ?? [:] }
    private func time(_ span: [String: Any], _ key: String) -> UInt64 { (span[key] as? NSNumber)?.uint64Value ?? 0 }

    /// Child inside its parent's time, same trace.
    private func assertChild(_ child: [String: Any], of parent: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(child["parent_span_id"] as? String, parent["span_id"] as? String, "\(child["name"] ?? "") under \(parent["name"] ?? "")", file: file, line: line)
        XCTAssertEqual(child["trace_id"] as? String, parent["trace_id"] as? String, file: file, line: line)
        XCTAssertGreaterThanOrEqual(time(child, "start_time_unix_nano"), time(parent, "start_time_unix_nano"), file: file, line: line)
        XCTAssertLessThanOrEqual(time(child, "end_time_unix_nano"), time(parent, "end_time_unix_nano"), file: file, line: line)
    }

    /// Fallback: webhook fails on a real server answering 500 (both attempts), slack (the
    /// in-process simulator) delivers. One trace: notify → route, commits, two deliveries,
    /// each attempt its own client span with the provider's status.
    func testNotifyFallbackIsOneTraceWithAttemptSpans() throws {
        let dir = directory()
        let receiver = try OTLPReceiverProcess(directory: dir)
        defer { receiver.stop() }
        let failing = try TestServer(CallbackSink(log: Locked<[CallbackSink.Received]>([]), status: 500))
        defer { failing.stop() }
        let db = dir + "/db.sqlite"
        try """
            {"clients": [{"id": "acme", "timezone": "UTC",
              "contacts": {"webhook": ["http://127.0.0.1:\(failing.port)/in"], "slack": ["c1/ops"]},
              "rules": [{"event": "db.*", "channels": ["webhook", "slack"], "mode": "fallback"}]}]}
            """.write(toFile: dir + "/clients.json", atomically: true, encoding: .utf8)
        let applied = try rcom(["clients", "apply", dir + "/clients.json", "--db", db], [:])
        XCTAssertEqual(applied.status, 0, applied.stderr)

        let env = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)", "OTEL_SERVICE_NAME": "notify-test"]
        let run = try rcom(["notify", "acme", "db.disk_high", "-m", "disk 91%", "--urgent", "--attempts", "2", "--backoff", "20ms", "--db", db], env)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(failing.stop().log.value.count, 2, "two attempts on the failing webhook")

        let got = try spans(receiver, count: 10)
        let byName = Dictionary(grouping: got) { $0["name"] as? String ?? "" }
        XCTAssertEqual(Set(got.compactMap { $0["trace_id"] as? String }).count, 1, "one trace: \(got.map { $0["name"] ?? "" })")
        let root = try XCTUnwrap(byName["rcom notify"]?.first)
        XCTAssertEqual(root["parent_span_id"] as? String, "")
        XCTAssertEqual(root["resource"] as? [String: String], ["service.name": "notify-test"])
        XCTAssertEqual(attributes(root)["rcom.client"] as? String, "acme")
        XCTAssertEqual(attributes(root)["rcom.event.type"] as? String, "db.disk_high")

        let route = try XCTUnwrap(byName["route"]?.first)
        assertChild(route, of: root)
        XCTAssertEqual(attributes(route)["rcom.rule"] as? String, "db.*")
        XCTAssertEqual(attributes(route)["rcom.mode"] as? String, "fallback")
        XCTAssertEqual(attributes(route)["rcom.channels"] as? String, "webhook,slack")
        XCTAssertEqual(attributes(route)["rcom.route.status"] as? String, "deliver")

        let webhook = try XCTUnwrap(byName["deliver webhook"]?.first), slack = try XCTUnwrap(byName["deliver slack"]?.first)
        for d in [webhook, slack] { assertChild(d, of: root) }
        XCTAssertEqual((webhook["status"] as? [String: String])?["code"], "STATUS_CODE_ERROR")
        XCTAssertEqual((slack["status"] as? [String: String])?["code"], "STATUS_CODE_OK")
        XCTAssertLessThanOrEqual(time(webhook, "end_time_unix_nano"), time(slack, "start_time_unix_nano"), "fallback: slack after webhook gave up")

        let failed = (byName["attempt 1 webhook"] ?? []) + (byName["attempt 2 webhook"] ?? [])
        XCTAssertEqual(failed.count, 2)
        for a in failed {
            assertChild(a, of: webhook)
            XCTAssertEqual(a["kind"] as? String, "SPAN_KIND_CLIENT")
            XCTAssertEqual((attributes(a)["http.response.status_code"] as? NSNumber)?.intValue, 500)
            XCTAssertEqual((a["status"] as? [String: String])?["code"], "STATUS_CODE_ERROR")
            XCTAssertEqual(attributes(a)["server.address"] as? String, "127.0.0.1")
            XCTAssertEqual((attributes(a)["server.port"] as? NSNumber)?.intValue, failing.port)
        }
        XCTAssertLessThan(time(failed[0], "end_time_unix_nano"), time(failed[1], "start_time_unix_nano"), "the backoff is the gap between attempts")
        let delivered = try XCTUnwrap(byName["attempt 1 slack"]?.first)
        assertChild(delivered, of: slack)
        XCTAssertEqual((attributes(delivered)["http.response.status_code"] as? NSNumber)?.intValue, 200)

        let commits = byName["store commit"] ?? []
        for c in commits { assertChild(c, of: root) }
        let ops = commits.compactMap { attributes($0)["rcom.store.op"] as? String }
        XCTAssertEqual(Set(ops), ["insert event", "finish event"], "and the delivery commits beside them")
        XCTAssertGreaterThan(commits.count, ops.count, "the attempts' and outcomes' commits: \(commits.count)")
    }

    /// `rcom serve`'s deliveries: each due event its own trace (`notify due` with route and
    /// delivery under it), and its debug log line (`--log-format json`) names that trace and span.
    func testServeDeliveryLogLineNamesItsTrace() throws {
        let dir = directory()
        let receiver = try OTLPReceiverProcess(directory: dir)
        defer { receiver.stop() }
        let db = dir + "/db.sqlite"
        try """
            {"clients": [{"id": "acme", "timezone": "UTC", "contacts": {"slack": ["c1/ops"]},
              "rules": [{"event": "db.*", "channels": ["slack"], "mode": "all"}]}]}
            """.write(toFile: dir + "/clients.json", atomically: true, encoding: .utf8)
        XCTAssertEqual(try rcom(["clients", "apply", dir + "/clients.json", "--db", db], [:]).status, 0)
        let key = try rcom(["serve", "keys", "create", "ops", "--scope", "events:write", "--db", db], [:]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let serve = Process()
        serve.executableURL = RcomBinary.url
        serve.arguments = ["serve", "--listen", "127.0.0.1:0", "--db", db, "--poll", "100ms", "--log-format", "json", "--log-level", "debug"]
        serve.environment = ["PATH": "/usr/bin:/bin", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)"]
        let out = Pipe()
        serve.standardOutput = out
        _ = FileManager.default.createFile(atPath: dir + "/serve.err", contents: nil)
        serve.standardError = FileHandle(forWritingAtPath: dir + "/serve.err")
        try serve.run()
        defer { if serve.isRunning { serve.terminate(); serve.waitUntilExit() } }
        let announce = ServerProcess.firstLine(of: out)
        let portText = try XCTUnwrap(announce.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression).map { announce[$0].split(separator: ":")[1] })
        let port = try XCTUnwrap(Int(portText), announce)
        var post = BlockingHTTP.request("POST", "/v1/events", body: #"{"client": "acme", "event": "db.disk_high", "message": "disk 91%", "urgent": true}"#)
        post.headers.add("Authorization", "Bearer \(key)")
        let fd = try BlockingHTTP.connect(port: port)
        BlockingHTTP.send(fd, post)
        let accepted = try BlockingHTTP.readResponse(fd)
        close(fd)
        XCTAssertEqual(accepted.status, 202, String(decoding: accepted.body, as: UTF8.self))
        let log = { (try? String(contentsOfFile: dir + "/serve.err", encoding: .utf8)) ?? "" }
        XCTAssertTrue(BlockingHTTP.eventually { log().contains("event carried out") }, log())
        serve.terminate()
        serve.waitUntilExit()

        let line = try XCTUnwrap(log().split(separator: "\n").first { $0.contains("event carried out") })
        let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let traceID = try XCTUnwrap(fields["trace_id"] as? String), spanID = try XCTUnwrap(fields["span_id"] as? String)
        let got = try spans(receiver, count: 4)
        let event = try XCTUnwrap(got.first { $0["name"] as? String == "notify due" }, "\(got)")
        XCTAssertEqual(event["trace_id"] as? String, traceID)
        XCTAssertEqual(event["span_id"] as? String, spanID)
        XCTAssertEqual(event["resource"] as? [String: String], ["service.name": "rcom-serve"])
        for name in ["route", "deliver slack"] {
            assertChild(try XCTUnwrap(got.first { $0["name"] as? String == name }, name), of: event)
        }
        XCTAssertTrue(log().contains("trace export stopped"), log())
    }

    /// `rcom blacklist FILE`: a run span and one span per committed batch, its rows and where
    /// its time went.
    func testBlacklistImportHasRunAndBatchSpans() throws {
        let dir = directory()
        let receiver = try OTLPReceiverProcess(directory: dir)
        defer { receiver.stop() }
        try FileManager.default.createDirectory(atPath: dir + "/sample", withIntermediateDirectories: false)
        let generated = try rcom(["blacklist", "generate", "--out", dir + "/sample", "--subscribers", "200", "--bounces", "90"], [:])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let env = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)"]
        let run = try rcom(["blacklist", dir + "/sample/bounces.csv", "--db", dir + "/sample/subscriptions.sqlite", "--batch", "25", "--json"], env)
        XCTAssertEqual(run.status, 0, run.stderr)

        let got = try spans(receiver, count: 2)
        let root = try XCTUnwrap(got.first { $0["name"] as? String == "blacklist import" }, "\(got)")
        XCTAssertEqual(root["resource"] as? [String: String], ["service.name": "rcom-blacklist"])
        XCTAssertEqual((root["status"] as? [String: String])?["code"], "STATUS_CODE_OK")
        let batches = got.filter { $0["name"] as? String == "import batch" }
        XCTAssertGreaterThan(batches.count, 1, "90 bounces in batches of 25")
        var rows = 0
        for b in batches {
            assertChild(b, of: root)
            let a = attributes(b)
            let n = try XCTUnwrap((a["rcom.rows"] as? NSNumber)?.intValue)
            XCTAssertTrue((1...25).contains(n), "\(n) rows")
            rows += n
            let prepare = try XCTUnwrap((a["rcom.prepare_ns"] as? NSNumber)?.uint64Value)
            let commit = try XCTUnwrap((a["rcom.commit_ns"] as? NSNumber)?.uint64Value)
            XCTAssertEqual(prepare + commit, time(b, "end_time_unix_nano") - time(b, "start_time_unix_nano"), "the span is prepare then commit")
            let events = try XCTUnwrap(b["events"] as? [[String: Any]])
            XCTAssertEqual(events.first?["name"] as? String, "commit")
        }
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let counters = try XCTUnwrap(report["counters"] as? [String: Any])
        XCTAssertEqual(batches.count, report["batches_committed"] as? Int, run.stdout)
        XCTAssertEqual((attributes(root)["rcom.valid"] as? NSNumber)?.intValue, counters["valid"] as? Int)
        XCTAssertEqual(rows, (counters["valid"] as? Int ?? -1) - (counters["duplicates"] as? Int ?? 0), "every address committed is in a batch span: \(run.stdout)")
    }

    /// Sampling 0 exports nothing; no endpoint exports nothing and the command runs as always;
    /// a setting rcom cannot use is exit 2 naming the variable.
    func testSamplingZeroNoEndpointAndABadSetting() throws {
        let dir = directory()
        let receiver = try OTLPReceiverProcess(directory: dir)
        defer { receiver.stop() }
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)"]
        let send = ["send", "-t", "c1/ops", "-m", "hi", "-c", "slack", "--db", dir + "/db.sqlite"]

        let sampledOut = try rcom(send, endpoint.merging(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"]) { $1 })
        XCTAssertEqual(sampledOut.status, 0, sampledOut.stderr)
        let untraced = try rcom(send, ["OTEL_TRACES_SAMPLER": "always_on"])
        XCTAssertEqual(untraced.status, 0, untraced.stderr)
        let traced = try rcom(send, endpoint)
        XCTAssertEqual(traced.status, 0, traced.stderr)
        let got = try spans(receiver, count: 3)
        XCTAssertEqual(Set(got.compactMap { $0["trace_id"] as? String }).count, 1, "only the third run's trace arrived")
        XCTAssertEqual(got.first { $0["parent_span_id"] as? String == "" }?["name"] as? String, "rcom send")

        let bad = try rcom(send, endpoint.merging(["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"]) { $1 })
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL"), bad.stderr)
        let https = try rcom(send, ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.invalid"])
        XCTAssertEqual(https.status, 2, https.stderr)
    }

    /// A collector that takes the connection and never answers costs the command its flush
    /// bound (3 s) at exit, not the export timeout, and never its result.
    func testACollectorThatNeverAnswersDelaysExitByTheBoundOnly() throws {
        let dir = directory()
        let silent = try BoundListener.open(host: "127.0.0.1", port: 0)  // listens, never accepts
        defer { silent.close() }
        let started = Date()
        let run = try rcom(["send", "-t", "c1/ops", "-m", "hi", "-c", "slack", "--db", dir + "/db.sqlite"],
                           ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(silent.port)"])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertGreaterThan(elapsed, 2.5, "it did wait for the collector")
        XCTAssertLessThan(elapsed, 6, "bounded: 3 s flush + at most 1 s for the exporter thread")
    }
}
