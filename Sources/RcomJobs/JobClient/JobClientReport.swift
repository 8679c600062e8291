import Foundation
import RcomCLI
import RcomCore

/// Judges a jobclient run the way the work sample does and prints the seed's report.
public struct JobClientReport: Sendable {
    public let succeeded: Int
    public let failures: [String]
    public let averageDuration_s: Double
    public let totalDuration_s: Double
    public let passed: Bool
    public let proof: ProofBlock?

    public init(results: [JobClientPipeline.Result], total_ns: UInt64, deadline_ms: Int64) {
        var ok: [ProofBlock.Job] = []
        var failures: [String] = []
        var seen: Set<String> = []
        for (i, r) in results.enumerated() {
            let n = i + 1
            if let e = r.error { failures.append("job \(n): \(e)"); continue }
            guard r.status == 200 else {
                let body = String(decoding: r.body.prefix(200), as: UTF8.self)
                failures.append("job \(n): HTTP \(r.status ?? 0) \(body)")
                continue
            }
            guard let o = try? JSONObject.parse(r.body).get(),
                  let id = o.string("id"), let state = o.string("state"),
                  let startedAt = o.string("startedAt"), let proof = o.string("proof") else {
                failures.append("job \(n): response is not a completed job JSON object")
                continue
            }
            guard state == "completed" else { failures.append("job \(n): state is \(TerminalText.quoted(state)), not completed"); continue }
            guard JobProof.isWellFormedID(id) else { failures.append("job \(n): malformed id \(TerminalText.quoted(id.prefix(20)))"); continue }
            guard JobProof.isWellFormed(proof) else { failures.append("job \(n): malformed proof"); continue }
            guard ISO8601.parse(startedAt) != nil else { failures.append("job \(n): malformed startedAt"); continue }
            guard seen.insert(id).inserted else { failures.append("job \(n): id \(id) was already returned for another job"); continue }
            ok.append(ProofBlock.Job(id: id, startedAt: startedAt, proof: proof))
        }
        succeeded = ok.count
        self.failures = failures
        let durations = results.map { Double($0.duration_ns) / 1e9 }
        averageDuration_s = durations.isEmpty ? 0 : durations.reduce(0, +) / Double(durations.count)
        totalDuration_s = Double(total_ns) / 1e9
        passed = failures.isEmpty && !results.isEmpty && total_ns < UInt64(deadline_ms) * 1_000_000
        proof = passed ? ProofBlock(jobs: ok) : nil
    }

    public var text: String {
        var out = "Succeeded: \(succeeded)\n"
        if !failures.isEmpty {
            out += "Failed: \(failures.count)\n"
            for f in failures.prefix(5) { out += "  \(f)\n" }
            if failures.count > 5 { out += "  ... and \(failures.count - 5) more\n" }
        }
        out += "Average Duration: \(String(format: "%.9f", averageDuration_s)) seconds\n"
        out += "Total Duration: \(String(format: "%.9f", totalDuration_s)) seconds\n\n"
        out += "WORK SAMPLE RESULT: \(passed ? "PASSED" : "FAILED")\n"
        if let proof {
            out += "\nProof:\n\(proof.encoded())\n"
        }
        return out
    }
}
