import Foundation
import RcomCore

/// Tracing for one run of a command without a long-lived reactor (`rcom send`, `rcom notify`,
/// `rcom blacklist import`): a tracer, a wall-clock anchor, and the exporter its spans go to.
/// Made only when an OTLP endpoint is configured (`make` gives nil otherwise), so a run
/// without tracing draws no ids, reads no extra clock and starts no thread.
///
/// Time: the wall clock is read once, at `make`, with the monotonic clock beside it; every span
/// time is that anchor plus monotonic time elapsed (`unixNano(monotonic:)`), so spans of one
/// run are ordered even if the wall clock steps, and sans-IO parts (the delivery pipeline) get
/// the anchor as input instead of reading a clock.
public final class CommandTracing: @unchecked Sendable {
    // @unchecked: the tracer's entropy source is `LockedEntropy`; everything else is immutable.
    public let exporter: BlockingSpanExporter
    public let sampler: TraceSampler
    /// Unix ns at monotonic `anchorMonotonic_ns`.
    public let anchorUnix_ns: UInt64
    public let anchorMonotonic_ns: Instant_ns
    private let tracer: Tracer
    /// The ids' source, safe to share with a pipeline on another thread (one run's spans must
    /// never repeat an id, so every part of the run draws from this one source).
    public let entropy: EntropySource
    /// How long `finish` waits for the collector at exit (see `BlockingSpanExporter.flush`).
    public static let flushBound_ns: UInt64 = 3_000_000_000

    init(configuration: OTLPConfiguration, entropy: EntropySource, exporterEntropy: EntropySource) {
        exporter = BlockingSpanExporter(configuration: configuration, entropy: exporterEntropy)
        sampler = configuration.sampler
        self.entropy = LockedEntropy(entropy)
        tracer = Tracer(sampler: configuration.sampler, entropy: self.entropy)
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        anchorMonotonic_ns = MonotonicClock.now_ns()
        anchorUnix_ns = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// A setting this command cannot use (exit 2): names the variable, never its value.
    public struct SetupError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Tracing from the `OTEL_*` variables: nil when no endpoint is set (or tracing is turned
    /// off); an error names the variable, never its value. `entropy` gives the ids.
    public static func make(_ environment: [String: String], serviceName: String, version: String,
                            entropy: EntropySource) -> Result<CommandTracing?, SetupError> {
        switch OTLPConfiguration.fromEnvironment(environment, serviceName: serviceName, scopeVersion: version) {
        case .failure(let e): return .failure(SetupError(message: e.description))
        case .success(nil): return .success(nil)
        case .success(let c?):
            if let why = SpanExporter.unsupportedEndpoint(c) { return .failure(SetupError(message: why)) }
            return .success(CommandTracing(configuration: c, entropy: entropy, exporterEntropy: SystemEntropy()))
        }
    }

    public func unixNano(monotonic ns: Instant_ns) -> UInt64 {
        ns >= anchorMonotonic_ns ? anchorUnix_ns + (ns - anchorMonotonic_ns) : anchorUnix_ns - min(anchorUnix_ns, anchorMonotonic_ns - ns)
    }

    public func now_unixNano() -> UInt64 { unixNano(monotonic: MonotonicClock.now_ns()) }

    public func start(_ name: String, kind: SpanKind = .internal, parent: TraceContext?, at unixNano: UInt64? = nil,
                      attributes: [SpanAttribute] = []) -> Span {
        let t = unixNano ?? now_unixNano()
        return tracer.startSpan(name, kind: kind, parent: parent, start_unixNano: t, attributes: attributes)
    }

    /// Ends `span` now (or at `unixNano`) and queues it for export (unsampled spans give nothing).
    public func end(_ span: Span, at unixNano: UInt64? = nil) {
        if let data = span.end(at: unixNano ?? now_unixNano()) { exporter.add(data) }
    }

    public func export(_ data: SpanData) { exporter.add(data) }

    /// A span around `body`: started before, ended after, with `status(result)` set.
    public func around<R>(_ name: String, parent: TraceContext?, attributes: [SpanAttribute] = [],
                          status: (R) -> SpanStatus = { _ in .unset }, _ body: () -> R) -> R {
        var span = start(name, parent: parent, attributes: attributes)
        let r = body()
        span.setStatus(status(r))
        end(span)
        return r
    }

    /// Flushes the exporter within `flushBound_ns` (a collector that is down costs the command
    /// at most that much at exit).
    @discardableResult
    public func finish() -> SpanExportCounters { exporter.flush(within: Self.flushBound_ns) }
}

/// An entropy source shared by threads: each draw under a lock.
final class LockedEntropy: EntropySource, @unchecked Sendable {
    private let inner: EntropySource
    private let lock = NSLock()
    init(_ inner: EntropySource) { self.inner = inner }
    func next64() -> UInt64 { lock.withLock { inner.next64() } }
}
