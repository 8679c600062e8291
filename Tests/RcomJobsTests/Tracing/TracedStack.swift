import Foundation
import XCTest
import RcomCore

/// Three real processes and a collector: scripts/otlp-receiver.py (decoding with PyPI's
/// opentelemetry-proto), `rcom jobserver` and `rcom proxy`, both exporting to the receiver.
/// `env` adds OTEL_* variables to both; `proxyEnv` to the proxy alone.
final class TracedStack {
    let receiver: OTLPReceiverProcess
    let jobserver: ServerProcess
    let proxy: ServerProcess
    let directory: String

    init(faults: String? = nil, env: [String: String] = [:], proxyEnv: [String: String] = [:], proxyArgs: [String] = [],
         receiver: OTLPReceiverProcess? = nil, endpointPort: Int? = nil) throws {
        directory = NSTemporaryDirectory() + "rcom-traced-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.receiver = try receiver ?? OTLPReceiverProcess(directory: directory)
        var base = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(endpointPort ?? self.receiver.port)",
                    "OTEL_BSP_SCHEDULE_DELAY": "20"]
        base.merge(env) { $1 }
        jobserver = try ServerProcess(["jobserver", "--port", "0", "--job-ms", "20", "--secret", "s"] + (faults.map { ["--faults", $0] } ?? []),
                                      environment: base)
        proxy = try ServerProcess(["proxy", "--port", "0", "--upstream", "http://127.0.0.1:\(jobserver.port)"] + proxyArgs,
                                  environment: base.merging(proxyEnv) { $1 })
    }

    /// A new directory under the temporary one (the caller removes it).
    static func newDirectory() throws -> String {
        let d = NSTemporaryDirectory() + "rcom-otlp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Stops the servers, and the receiver unless it was given (shared by several stacks).
    func stop(keepingReceiver: Bool = false) {
        proxy.stop()
        jobserver.stop()
        if !keepingReceiver { receiver.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A job through the proxy, with these extra request headers (a `traceparent`).
    func job(_ account: String, wait: Bool = true, headers: [(String, String)] = []) throws -> HTTPResponse {
        let fd = try BlockingHTTP.connect(port: proxy.port)
        defer { close(fd) }
        var r = BlockingHTTP.request("POST", "/start", body: #"{"account":"\#(account)","wait":\#(wait)}"#)
        for (n, v) in headers { r.headers.add(n, v) }
        BlockingHTTP.send(fd, r)
        return try BlockingHTTP.readResponse(fd)
    }

    /// The received spans of `traceID`, once there are at least `count` (or what there is at the deadline).
    func trace(_ traceID: String, count: Int, within seconds: Double = 15) throws -> [Span] {
        var found: [Span] = []
        _ = try BlockingHTTP.eventually(within: seconds) {
            found = try receiver.spans().map(Span.init).filter { $0.traceID == traceID }
            return found.count >= count
        }
        return found
    }

    /// The received spans of `traceID`, once each of `labels` ("service/name") is among them.
    func trace(_ traceID: String, labels: Set<String>, within seconds: Double = 15) throws -> [Span] {
        var found: [Span] = []
        _ = try BlockingHTTP.eventually(within: seconds) {
            found = try receiver.spans().map(Span.init).filter { $0.traceID == traceID }
            return labels.isSubset(of: Set(found.map(\.label)))
        }
        return found
    }

    /// The trace id of the (single) received `POST /jobs` span whose job was for `account`.
    func traceID(ofAccount account: String, within seconds: Double = 15) throws -> String? {
        var id: String?
        _ = try BlockingHTTP.eventually(within: seconds) {
            id = try receiver.spans().map(Span.init).first { $0.name == "upstream start" && $0.attributes["rcom.account"] as? String == account }?.traceID
            return id != nil
        }
        return id
    }

    /// One decoded span, as the receiver wrote it.
    struct Span {
        let raw: [String: Any]
        init(_ raw: [String: Any]) { self.raw = raw }
        var name: String { raw["name"] as? String ?? "" }
        var service: String { (raw["resource"] as? [String: String])?["service.name"] ?? "" }
        var kind: String { raw["kind"] as? String ?? "" }
        var traceID: String { raw["trace_id"] as? String ?? "" }
        var spanID: String { raw["span_id"] as? String ?? "" }
        var parentID: String { raw["parent_span_id"] as? String ?? "" }
        var start: UInt64 { (raw["start_time_unix_nano"] as? NSNumber)?.uint64Value ?? 0 }
        var end: UInt64 { (raw["end_time_unix_nano"] as? NSNumber)?.uint64Value ?? 0 }
        var statusCode: String { (raw["status"] as? [String: String])?["code"] ?? "" }
        var statusMessage: String { (raw["status"] as? [String: String])?["message"] ?? "" }
        var attributes: [String: Any] { raw["attributes"] as? [String: Any] ?? [:] }
        var events: [String] { (raw["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
        var flags: Int { raw["flags"] as? Int ?? 0 }
        var label: String { "\(service)/\(name)" }
    }
}
