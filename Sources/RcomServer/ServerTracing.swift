import Foundation
import Glibc
import RcomCLI
import RcomCore
import RcomReactor

/// Tracing for a reactor-based command, from the standard `OTEL_*` variables (see
/// design/tracing.md): read and checked at start (`configuration`), a `PipelineTracing` for the
/// pipeline (`pipelineTracing`), and the pipeline wrapped in `SpanExporting` by `ServerRunner`
/// (or by the command itself for a reactor it runs: `exporting`). With no endpoint set, every
/// step gives nil and the pipeline runs unwrapped.
public enum ServerTracing {
    /// nil: tracing off. A setting rcom cannot honour, or an https endpoint, is a usage error
    /// naming the variable (never its value: headers carry API keys).
    public static func configuration(serviceName: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                     version: String) throws(UsageError) -> OTLPConfiguration? {
        switch OTLPConfiguration.fromEnvironment(environment, serviceName: serviceName, scopeVersion: version) {
        case .failure(let e):
            throw UsageError(e.description)
        case .success(nil):
            return nil
        case .success(let c?):
            if let why = SpanExporter.unsupportedEndpoint(c) { throw UsageError(why) }
            return c
        }
    }

    /// The tracer state a pipeline holds: ids from `entropy` (the recording one when recording),
    /// span times from the wall clock read once, here.
    public static func pipelineTracing(_ configuration: OTLPConfiguration?, entropy: EntropySource) -> PipelineTracing? {
        guard let configuration else { return nil }
        // Both clocks in ns, read back to back; the reactor's clock then starts at `mono` (1 s
        // there), so a span time wallOrigin + now_ns is the wall time to microseconds, and
        // processes on one machine compare (ms, or a reactor origin taken later, would not).
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let mono = MonotonicClock.now_ns()
        let wall_ns = UInt64(max(0, ts.tv_sec)) * 1_000_000_000 + UInt64(ts.tv_nsec)
        var t = PipelineTracing(tracer: Tracer(sampler: configuration.sampler, entropy: entropy),
                                wallOrigin_unixNano: PipelineTracing.wallOrigin(wall_unixNano: wall_ns, monotonic_ns: 1_000_000_000))
        t.reactorOrigin_ns = mono
        return t
    }

    /// `pipeline` wrapped with its exporter.
    public static func exporting<P: TracedPipeline>(_ pipeline: P, _ configuration: OTLPConfiguration, entropy: EntropySource) -> SpanExporting<P> {
        SpanExporting(pipeline, exporter: SpanExporter(configuration: configuration, entropy: entropy))
    }
}
