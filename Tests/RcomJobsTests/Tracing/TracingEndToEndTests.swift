import Foundation
import XCTest
import RcomCore

/// Issue 26's tree, across three real processes: a client's job through `rcom proxy` to
/// `rcom jobserver` and back by callback, each exporting OTLP/JSON to a receiver that decodes
/// with the official definitions. One trace id, the parent links, kinds, ordered times, and a
/// status for each fault the job server injects.
final class TracingEndToEndTests: XCTestCase {
    /// A fresh sampled `traceparent` (and its trace and span ids).
    private func incoming() -> (header: String, trace: String, span: String) {
        let trace = (0..<2).map { _ in String(format: "%016llx", UInt64.random(in: 1...UInt64.max)) }.joined()
        let span = String(format: "%016llx", UInt64.random(in: 1...UInt64.max))
        return ("00-\(trace)-\(span)-01", trace, span)
    }

    private func named(_ spans: [TracedStack.Span], _ label: String) -> [TracedStack.Span] { spans.filter { $0.label == label } }

    func testOneTraceAcrossProxyJobServerAndCallbackContinuesTheCallersContext() throws {
        let stack = try TracedStack()
        defer { stack.stop() }
        let caller = incoming()
        let r = try stack.job("a1", headers: [("traceparent", caller.header), ("tracestate", "vendor=x1")])
        XCTAssertEqual(r.status, 200)
        let spans = try stack.trace(caller.trace, count: 4)
        XCTAssertEqual(spans.map(\.label).sorted(),
                       ["rcom-jobserver/job", "rcom-proxy/POST /callback", "rcom-proxy/POST /jobs", "rcom-proxy/upstream start"], stack.receiver.log)
        let jobs = try XCTUnwrap(named(spans, "rcom-proxy/POST /jobs").first)
        let up = try XCTUnwrap(named(spans, "rcom-proxy/upstream start").first)
        let job = try XCTUnwrap(named(spans, "rcom-jobserver/job").first)
        let cb = try XCTUnwrap(named(spans, "rcom-proxy/POST /callback").first)
        // Parent links: caller → proxy job → upstream start → job server's job → callback.
        XCTAssertEqual(jobs.parentID, caller.span, "the caller's traceparent is continued")
        XCTAssertEqual(up.parentID, jobs.spanID)
        XCTAssertEqual(job.parentID, up.spanID, "the start request carried the upstream span as traceparent")
        XCTAssertEqual(cb.parentID, job.spanID, "the callback carried the job server's span as traceparent")
        XCTAssertEqual(Set(spans.map { $0.raw["trace_state"] as? String }), ["vendor=x1"], "tracestate travels with the trace")
        XCTAssertEqual([jobs, up, job, cb].map(\.kind), ["SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_SERVER", "SPAN_KIND_SERVER"])
        XCTAssertEqual(jobs.flags & 0x300, 0x300, "the proxy's job span has a remote parent")
        XCTAssertEqual(up.flags & 0x300, 0x100, "a local parent")
        // Times, across processes: each child starts after its parent, the job ends before the proxy's answer.
        XCTAssertLessThanOrEqual(jobs.start, up.start)
        XCTAssertLessThanOrEqual(up.start, job.start)
        XCTAssertLessThanOrEqual(job.start, cb.start)
        XCTAssertLessThanOrEqual(cb.start, jobs.end)
        XCTAssertLessThanOrEqual(up.end, jobs.end)
        for s in spans { XCTAssertLessThanOrEqual(s.start, s.end, s.label) }
        XCTAssertEqual(job.statusCode, "STATUS_CODE_OK")
        XCTAssertEqual(jobs.statusCode, "STATUS_CODE_UNSET")
        XCTAssertEqual(jobs.attributes["http.response.status_code"] as? Int, 200)
        XCTAssertEqual(jobs.events, ["callback"])

        // scripts/trace-waterfall draws it: parent before child, indented by depth, the callback event marked.
        let draw = Process()
        draw.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        draw.arguments = ["python3", OTLPReceiverProcess.script.replacingOccurrences(of: "otlp-receiver.py", with: "trace-waterfall"),
                          stack.receiver.outPath, caller.trace]
        let out = Pipe()
        draw.standardOutput = out
        try draw.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        draw.waitUntilExit()
        XCTAssertEqual(draw.terminationStatus, 0)
        let rows = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(rows.first?.hasPrefix("trace \(caller.trace) · 4 spans") == true, text)
        XCTAssertTrue(rows.first?.hasSuffix("continued from the caller's span \(caller.span)") == true, text)
        let order = ["rcom-proxy      POST /jobs", "rcom-proxy        upstream start", "rcom-jobserver      job", "rcom-proxy            POST /callback"]
        let at = order.map { o in rows.firstIndex { $0.hasPrefix(o) } ?? -1 }
        XCTAssertEqual(at, at.sorted(), text)
        XCTAssertFalse(at.contains(-1), text)
        XCTAssertTrue(rows.contains { $0.hasSuffix("◆ callback") }, text)

        // Without a traceparent the trace starts at the proxy (a root span), and is still whole.
        XCTAssertEqual(try stack.job("a2").status, 200)
        let root = try XCTUnwrap(try stack.traceID(ofAccount: "a2"))
        let second = try stack.trace(root, count: 4)
        XCTAssertEqual(second.count, 4)
        XCTAssertEqual(named(second, "rcom-proxy/POST /jobs").first?.parentID, "", "a root")

        // /metrics of both: the exporter's counters.
        for port in [stack.proxy.port, stack.jobserver.port] {
            let page = String(decoding: try BlockingHTTP.get(port: port, path: "/metrics").body, as: UTF8.self)
            XCTAssertNil(try Promtool.problems(page))
            let s = Exposition.samples(page)
            XCTAssertGreaterThanOrEqual(s["rcom_trace_spans_exported_total"] ?? 0, 1, page)
            XCTAssertEqual(s[#"rcom_trace_spans_dropped_total{reason="queue_full"}"#], 0)
        }
    }

    /// Every fault `rcom jobserver --faults` can inject, and the status it leaves on the spans.
    func testEachInjectedFaultShowsAsStatusOnTheSpans() throws {
        let receiver = try OTLPReceiverProcess(directory: TracedStack.newDirectory())
        defer { try? FileManager.default.removeItem(atPath: receiver.directory); receiver.stop() }
        struct Case {
            let fault: String
            let client: Int
            /// Per span label: the status code's suffix and a fragment of its message ("" for none).
            let statuses: [String: (String, String)]
            var event: String? = nil
        }
        let cases = [
            Case(fault: "error-500=1", client: 0, statuses: ["rcom-jobserver/job": ("ERROR", "injected fault: error-500"),
                                                            "rcom-proxy/upstream start": ("ERROR", "the job server answered 50"),
                                                            "rcom-proxy/POST /jobs": ("ERROR", "50")]),
            Case(fault: "reset=1", client: 502, statuses: ["rcom-jobserver/job": ("ERROR", "injected fault: reset"),
                                                          "rcom-proxy/upstream start": ("ERROR", "ambiguous"),
                                                          "rcom-proxy/POST /jobs": ("ERROR", "502")]),
            Case(fault: "drop-callback=1", client: 504, statuses: ["rcom-jobserver/job": ("ERROR", "drop-callback"),
                                                                  "rcom-proxy/upstream start": ("UNSET", ""),
                                                                  "rcom-proxy/POST /jobs": ("ERROR", "504")]),
            Case(fault: "reset-after-start=1", client: 200, statuses: ["rcom-jobserver/job": ("OK", ""),
                                                                      "rcom-proxy/upstream start": ("ERROR", "ambiguous"),
                                                                      "rcom-proxy/POST /jobs": ("UNSET", "")], event: "injected fault: reset-after-start"),
            Case(fault: "duplicate-callback=1", client: 200, statuses: ["rcom-jobserver/job": ("OK", ""), "rcom-proxy/POST /jobs": ("UNSET", "")],
                 event: "injected fault: duplicate-callback"),
            Case(fault: "early-callback=1", client: 200, statuses: ["rcom-jobserver/job": ("OK", ""), "rcom-proxy/POST /jobs": ("UNSET", "")],
                 event: "injected fault: early-callback"),
            Case(fault: "delay-callback=100ms@1", client: 200, statuses: ["rcom-jobserver/job": ("OK", ""), "rcom-proxy/POST /jobs": ("UNSET", "")],
                 event: "injected fault: delay-callback"),
            Case(fault: "slow-start=100ms@1", client: 200, statuses: ["rcom-jobserver/job": ("OK", ""), "rcom-proxy/POST /jobs": ("UNSET", "")],
                 event: "injected fault: slow-start"),
        ]
        for c in cases {
            let stack = try TracedStack(faults: c.fault, proxyArgs: ["--callback-timeout", "300ms", "--ambiguity-grace", "300ms"], receiver: receiver)
            defer { stack.stop(keepingReceiver: true) }
            let caller = incoming()
            let status = try stack.job("f", headers: [("traceparent", caller.header)]).status
            if c.client == 0 { XCTAssertTrue([500, 503].contains(status), c.fault) } else { XCTAssertEqual(status, c.client, c.fault) }
            let spans = try stack.trace(caller.trace, labels: Set(c.statuses.keys))
            for (label, (code, message)) in c.statuses {
                guard let s = named(spans, label).first else { XCTFail("\(c.fault): no \(label) in \(spans.map(\.label))"); continue }
                XCTAssertEqual(s.statusCode, "STATUS_CODE_" + code, "\(c.fault) \(label): \(s.statusMessage)")
                XCTAssertTrue(message.isEmpty ? s.statusMessage.isEmpty : s.statusMessage.contains(message), "\(c.fault) \(label): \(s.statusMessage)")
            }
            if let e = c.event { XCTAssertTrue(named(spans, "rcom-jobserver/job").first?.events.contains(e) == true, "\(c.fault): \(spans.map(\.events))") }
            let ids = Set(spans.map(\.traceID))
            XCTAssertEqual(ids, [caller.trace], c.fault)
        }
    }

    /// Ratio 0 at the proxy: untraced clients leave no span anywhere (the job server follows the
    /// proxy's unsampled traceparent), but a caller's sampled traceparent is still followed;
    /// ratio 1: every job is traced.
    func testSamplingAtZeroAndOne() throws {
        let zero = try TracedStack(env: ["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"])
        defer { zero.stop() }
        for i in 0..<5 { XCTAssertEqual(try zero.job("z\(i)").status, 200) }
        let caller = incoming()
        XCTAssertEqual(try zero.job("zt", headers: [("traceparent", caller.header)]).status, 200)
        XCTAssertEqual(try zero.trace(caller.trace, count: 4).count, 4, "a sampled parent is followed at ratio 0")
        // The five untraced jobs finished before the traced one started, and nothing of theirs came.
        XCTAssertEqual(try zero.receiver.spans().count, 4, zero.receiver.log)

        let one = try TracedStack(env: ["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1"])
        defer { one.stop() }
        for i in 0..<5 { XCTAssertEqual(try one.job("o\(i)").status, 200) }
        XCTAssertTrue(try BlockingHTTP.eventually(within: 15) { try one.receiver.spans().count >= 20 })
        XCTAssertEqual(Set(try one.receiver.spans().map { $0["trace_id"] as? String ?? "" }).count, 5, "one trace per job")
    }

    /// The collector is down for 10 s while jobs keep coming: no job waits on it, the spans that
    /// do not fit the queue are dropped and counted, and once it is back the export resumes.
    func testTheCollectorDownForTenSecondsBlocksNothingAndExportResumes() throws {
        // A port that was free a moment ago: the receiver comes back on it.
        let probe = try OTLPReceiverProcess(directory: TracedStack.newDirectory())
        let port = probe.port
        probe.stop()
        try? FileManager.default.removeItem(atPath: probe.directory)
        let dir = try TracedStack.newDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let placeholder = try OTLPReceiverProcess(directory: dir)  // the stack's receiver field; the proxy points at `port`
        let stack = try TracedStack(env: ["OTEL_BSP_MAX_QUEUE_SIZE": "8", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4"],
                                    receiver: placeholder, endpointPort: port)
        defer { stack.stop() }
        let downUntil = Date().addingTimeInterval(10)
        var jobs = 0
        var slowest = 0.0
        while Date() < downUntil {
            let t0 = Date()
            XCTAssertEqual(try stack.job("d\(jobs % 4)").status, 200)
            slowest = max(slowest, Date().timeIntervalSince(t0))
            jobs += 1
        }
        XCTAssertGreaterThan(jobs, 20)
        XCTAssertLessThan(slowest, 2.0, "a job never waits on the collector")
        let page = String(decoding: try BlockingHTTP.get(port: stack.proxy.port, path: "/metrics").body, as: UTF8.self)
        let s = Exposition.samples(page)
        XCTAssertGreaterThan(s[#"rcom_trace_spans_dropped_total{reason="queue_full"}"#] ?? 0, 0, page)
        XCTAssertGreaterThan(s["rcom_trace_export_retries_total"] ?? 0, 0, page)
        XCTAssertEqual(s["rcom_trace_spans_exported_total"], 0)

        let back = try OTLPReceiverProcess(directory: dir, arguments: ["--port", "\(port)"])
        defer { back.stop() }
        // The queue is full of the outage's spans, retried with backoff (at most 8 s between
        // attempts here): new jobs' spans are dropped until it has room, then exported. Jobs keep
        // coming, each with its own trace, until one of them reaches the receiver.
        var callers: Set<String> = []
        XCTAssertTrue(try BlockingHTTP.eventually(within: 45) {
            let caller = incoming()
            callers.insert(caller.trace)
            XCTAssertEqual(try stack.job("after", headers: [("traceparent", caller.header)]).status, 200)
            return try back.spans().contains { callers.contains($0["trace_id"] as? String ?? "") && $0["name"] as? String == "POST /jobs" }
        }, back.log)
        XCTAssertTrue(try BlockingHTTP.eventually(within: 10) {
            let now = Exposition.samples(String(decoding: try BlockingHTTP.get(port: stack.proxy.port, path: "/metrics").body, as: UTF8.self))
            return (now["rcom_trace_spans_exported_total"] ?? 0) > 0
        })
    }

    /// `--log-format json`: a notice about one job carries its trace and span ids.
    func testAJSONLogLineAboutOneJobCarriesItsTraceID() throws {
        let receiver = try OTLPReceiverProcess(directory: TracedStack.newDirectory())
        defer { try? FileManager.default.removeItem(atPath: receiver.directory); receiver.stop() }
        // An upstream that refuses: a port that was free a moment ago.
        let gone = try ServerProcess(["jobserver", "--port", "0", "--secret", "s"])
        let deadPort = gone.port
        gone.stop()
        let proxy = try ServerProcess(["proxy", "--port", "0", "--upstream", "http://127.0.0.1:\(deadPort)", "--log-format", "json"],
                                      environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiver.port)"])
        defer { proxy.stop() }
        let caller = incoming()
        let fd = try BlockingHTTP.connect(port: proxy.port)
        defer { close(fd) }
        var r = BlockingHTTP.request("POST", "/start", body: #"{"account":"l","wait":true}"#)
        r.headers.add("traceparent", caller.header)
        BlockingHTTP.send(fd, r)
        XCTAssertEqual(try BlockingHTTP.readResponse(fd).status, 502)
        var line: [String: Any]?
        XCTAssertTrue(BlockingHTTP.eventually {
            line = proxy.log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { ($0["msg"] as? String)?.contains("starts failed") == true }
            return line != nil
        }, proxy.log)
        XCTAssertEqual(line?["trace_id"] as? String, caller.trace, proxy.log)
        XCTAssertEqual((line?["span_id"] as? String)?.count, 16)
    }
}
