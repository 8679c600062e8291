import Foundation

// scripts/bench-tracing: the tracing core's CPU per proxied job at ratio 1.0, 0.01 and 0. Per
// job: a server span (three attributes, an event) and a client span (one attribute, status ok,
// its traceparent formatted), both ended and queued in the export stage, which encodes a body
// per 512 spans (answered 200 at once: the POST itself is not measured).
func run(jobs: Int, sampler: TraceSampler) -> (Double, Int) {
    let entropy = SeededEntropy(seed: 1)
    let tracer = Tracer(sampler: sampler, entropy: entropy)
    var stage = SpanExportStage(resource: OTLPResource(serviceName: "rcom-proxy"), entropy: entropy)
    var bytes = 0
    var t: UInt64 = 1_765_000_000_000_000_000
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<jobs {
        t += 1000
        var job = tracer.startSpan("POST /jobs", kind: .server, parent: nil, start_unixNano: t,
                                   attributes: [SpanAttribute("http.request.method", .string("POST")), SpanAttribute("url.path", .string("/jobs"))])
        var up = tracer.startSpan("upstream start", kind: .client, parent: job.context, start_unixNano: t + 10)
        up.setAttribute("server.address", .string("127.0.0.1"))
        up.setStatus(SpanStatus(.ok))
        let header = up.context.traceparent
        bytes &+= header.utf8.count
        job.addEvent("callback", at: t + 500)
        job.setAttribute("http.response.status_code", .int(200))
        var effects: [SpanExportStage.Effect] = []
        if let d = up.end(at: t + 20) { effects += stage.add(d, now_ns: t) }
        if let d = job.end(at: t + 600) { effects += stage.add(d, now_ns: t) }
        for e in effects {
            if case .send(let id, let body) = e {
                bytes &+= body.count
                _ = stage.finished(id, .answered(status: 200, retryAfter_ns: nil), now_ns: t)
            }
        }
    }
    let ns = DispatchTime.now().uptimeNanoseconds - start
    return (Double(ns) / Double(jobs) / 1000, bytes)
}

let jobs = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000
for round in 1...5 {
    let (on, b1) = run(jobs: jobs, sampler: .alwaysOn)
    let (pct, b2) = run(jobs: jobs, sampler: .traceIDRatio(0.01))
    let (off, b3) = run(jobs: jobs, sampler: .alwaysOff)
    print(String(format: "round %d: ratio 1.0 %.3f µs/job, ratio 0.01 %.3f µs/job, ratio 0 %.3f µs/job (bytes %d %d %d)", round, on, pct, off, b1, b2, b3))
}
