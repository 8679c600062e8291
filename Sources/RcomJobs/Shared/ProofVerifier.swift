import RcomCLI

/// Checks a decoded proof block against the server's secret: every job proof genuine, no id
/// repeated, the expected number of jobs, and start times close enough to have run together.
public struct ProofVerifier: Sendable {
    public let secret: [UInt8]
    public let jobsExpected: Int
    public let startSpread_ms_max: Int64

    public init(secret: [UInt8], jobsExpected: Int = 50, startSpread_ms_max: Int64 = 5000) {
        self.secret = secret
        self.jobsExpected = jobsExpected
        self.startSpread_ms_max = startSpread_ms_max
    }

    /// Empty when valid; otherwise every problem found, each a sentence a person can act on.
    public func problems(_ block: ProofBlock) -> [String] {
        var out: [String] = []
        if block.jobs.count != jobsExpected {
            out.append("expected \(jobsExpected) jobs, found \(block.jobs.count)")
        }
        var seen: Set<String> = []
        var starts: [Int64] = []
        for (i, job) in block.jobs.enumerated() {
            let n = i + 1
            if !JobProof.isWellFormedID(job.id) { out.append("job \(n): id \(TerminalText.quoted(job.id.prefix(20))) is not 1-16 lower-case hex digits") }
            if !seen.insert(job.id).inserted { out.append("job \(n): id \(job.id) repeats an earlier job") }
            if let t = ISO8601.parse(job.startedAt) { starts.append(t) } else {
                out.append("job \(n): startedAt \(TerminalText.quoted(job.startedAt.prefix(30))) is not an ISO-8601 UTC time with milliseconds")
            }
            if !JobProof.isWellFormed(job.proof) {
                out.append("job \(n): proof is not 40 upper-case hex digits")
            } else if !JobProof.verify(secret: secret, id: job.id, startedAt: job.startedAt, proof: job.proof) {
                out.append("job \(n): proof for id \(job.id) was not issued by this server (wrong secret or edited job)")
            }
        }
        if let lo = starts.min(), let hi = starts.max(), hi - lo > startSpread_ms_max {
            out.append("jobs started \(hi - lo) ms apart, more than the \(startSpread_ms_max) ms deadline: they did not run concurrently")
        }
        return out
    }
}
