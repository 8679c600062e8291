import Foundation
import XCTest

/// scripts/otlp-receiver.py as a child process on 127.0.0.1 port 0: it decodes each POST
/// /v1/traces with opentelemetry-proto's ExportTraceServiceRequest and appends the decoded
/// spans to a JSON-lines file. The Python used is $RCOM_OTLP_PYTHON, else the venv
/// scripts/lib-deps.sh makes (~/.cache/rcom/otlp-venv), else python3 on PATH, whichever can
/// import the package; with none, the test is skipped and says how to install it.
final class OTLPReceiverProcess {
    let process = Process()
    let port: Int
    let outPath: String
    let directory: String
    private let stderrPath: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/otlp-receiver.py").path

    static func python() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let home = env["HOME"] ?? "/root"
        var candidates = [env["RCOM_OTLP_PYTHON"], "\(home)/.cache/rcom/otlp-venv/bin/python"].compactMap { $0 }
        candidates += (env["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/python3" }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: path)
            probe.arguments = ["-c", "import opentelemetry.proto.collector.trace.v1.trace_service_pb2, google.protobuf.json_format"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { continue }
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return path }
        }
        throw XCTSkip("no python3 with PyPI's opentelemetry-proto: run `source scripts/lib-deps.sh; ensure_otlp_proto` "
                      + "(a venv in ~/.cache/rcom/otlp-venv) or set RCOM_OTLP_PYTHON")
    }

    init(directory: String, arguments: [String] = []) throws {
        self.directory = directory
        outPath = directory + "/spans.jsonl"
        stderrPath = directory + "/receiver.log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try Self.python())
        process.arguments = [Self.script, "--out", outPath] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let announce = ServerProcess.firstLine(of: out).trimmingCharacters(in: .whitespacesAndNewlines)
        guard announce.hasPrefix("listening "), let port = Int(announce.dropFirst("listening ".count)) else {
            process.terminate()
            process.waitUntilExit()
            throw NSError(domain: "rcom", code: 1, userInfo: [NSLocalizedDescriptionKey: "the OTLP receiver did not start: \(announce) \((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")"])
        }
        self.port = port
    }

    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The spans decoded so far, in the order received.
    func spans() throws -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: outPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
