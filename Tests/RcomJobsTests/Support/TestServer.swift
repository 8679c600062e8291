import Foundation
import Glibc
import XCTest
import RcomCore
import RcomReactor
@testable import RcomJobs

/// What a recording test server writes: where, under which component name and header config,
/// and the entropy wrapper whose draws go next to each event.
struct TraceTarget {
    let path: String
    let component: String
    let config: [(String, String)]
    let entropy: RecordingEntropy
}

/// A pipeline running on a real reactor on its own thread, listening on a kernel-chosen port.
/// `stop()` delivers `.shutdown` and waits for the loop to end; the final pipeline is then
/// readable without races.
final class TestServer<P: EventPipeline>: @unchecked Sendable {
    let port: Int
    private let reactor: Reactor<P>
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false

    init(_ pipeline: P, listener: BoundListener? = nil, trace: TraceTarget? = nil) throws {
        reactor = Reactor(pipeline: pipeline)
        let l = try listener ?? BoundListener.open(host: "127.0.0.1", port: 0)
        reactor.adopt(l)
        port = l.port
        if let trace {
            let recorder = try TraceRecorder(path: trace.path, component: trace.component, config: trace.config)
            reactor.record(to: recorder, draws: { trace.entropy.takeDraws() })
        }
        let loop = LoopHandle(run: { [reactor] in _ = reactor.run() }, done: finished)
        Thread.detachNewThread { loop.start() }
    }

    /// Stops the loop and returns the pipeline as it ended.
    @discardableResult
    func stop() -> P {
        if !stopped {
            stopped = true
            reactor.wakeup.post(.shutdown)
            finished.wait()
        }
        return reactor.pipeline
    }

    deinit { _ = stop() }
}

/// Builds the pieces the tests need, each with a fresh configuration.
enum Fixtures {
    static let secret = Array("test-secret".utf8)

    static func jobServerConfig(job_ms: Int64 = 150, hold: HandlerHold = .request, faults: String = "", seed: UInt64 = 7) -> JobServerConfig {
        var c = JobServerConfig()
        c.job_ms = job_ms
        c.hold = hold
        c.secret = secret
        c.seed = seed
        c.faults = try! FaultSpec.parse(faults).get()
        return c
    }

    static func jobServer(job_ms: Int64 = 150, hold: HandlerHold = .request, faults: String = "", seed: UInt64 = 7,
                          tracePath: String? = nil) throws -> TestServer<JobServerPipeline> {
        let c = jobServerConfig(job_ms: job_ms, hold: hold, faults: faults, seed: seed)
        let recording = RecordingEntropy(SystemEntropy())
        return try TestServer(JobServerPipeline(config: c, entropy: recording),
                              trace: tracePath.map { TraceTarget(path: $0, component: "jobserver", config: c.traceConfig, entropy: recording) })
    }

    /// Starts a proxy whose callback URL points at its own (kernel-chosen) port.
    static func proxy(upstreamPort: Int, callbackTimeout_ms: Int64 = 10_000, startTimeout_ms: Int64 = 10_000,
                      tracePath: String? = nil) throws -> TestServer<ProxyPipeline> {
        let listener = try BoundListener.open(host: "127.0.0.1", port: 0)
        var c = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: upstreamPort), publicURL: HTTPURL(host: "127.0.0.1", port: listener.port))
        c.callbackTimeout_ms = callbackTimeout_ms
        c.startTimeout_ms = startTimeout_ms
        let recording = RecordingEntropy(SystemEntropy())
        return try TestServer(ProxyPipeline(config: c, entropy: recording), listener: listener,
                              trace: tracePath.map { TraceTarget(path: $0, component: "proxy", config: c.traceConfig, entropy: recording) })
    }

    /// Runs the in-process jobclient against `port` and returns its report.
    static func runClient(port: Int, path: String = "/start", account: String = "acct", jobs: Int,
                          deadline_ms: Int64 = 5000, giveUp_ms: Int64 = 20_000) -> (JobClientReport, JobClientPipeline) {
        let cfg = JobClientPipeline.Config(url: HTTPURL(host: "127.0.0.1", port: port, target: path), account: account,
                                           jobs: jobs, giveUp_ms: giveUp_ms)
        let reactor = Reactor(pipeline: JobClientPipeline(config: cfg))
        reactor.wakeup.post(.wakeup(tag: "start", payload: []))
        _ = reactor.run()
        let p = reactor.pipeline
        return (JobClientReport(results: p.results, total_ns: p.finished_ns - p.started_ns, deadline_ms: deadline_ms), p)
    }

    /// A port nothing listens on.
    static func closedPort() -> Int {
        let l = try! BoundListener.open(host: "127.0.0.1", port: 0)
        let port = l.port
        l.close()
        return port
    }
}

/// Carries the loop closure to its thread without capturing the generic metatype.
private struct LoopHandle: @unchecked Sendable {
    let run: () -> Void
    let done: DispatchSemaphore
    func start() {
        run()
        done.signal()
    }
}
