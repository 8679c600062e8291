import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// One address a server listens on and what it serves there.
public struct ServerListener: Sendable {
    public var host: String
    public var port: Int
    /// What is reachable there, in words ("clients: POST jobs"), for the notice a non-loopback
    /// address gets at start.
    public var serves: String
    /// Speaks HTTP (the access log covers it); false for the providers simulator's SMTP port.
    public var http = true

    public init(host: String, port: Int, serves: String, http: Bool = true) {
        self.host = host
        self.port = port
        self.serves = serves
        self.http = http
    }
}

/// The one shell of every server subcommand (proxy, jobserver, track, providers): listeners,
/// reactor with the read back-pressure of `HTTPServerLimits`, optional trace, signals, logs
/// (starting with version and commit, a notice per non-loopback listener, listening, stopped
/// with `summary` of the final pipeline), `--access-log`, the announce line, and with `tracing`
/// (`ServerTracing.configuration`) the pipeline, which must then be a `TracedPipeline`, wrapped
/// in `SpanExporting`.
public enum ServerRunner {
    /// `make` builds the pipeline from the (possibly recording) entropy and the bound ports, in
    /// the order of `listeners` (a pipeline sees the same numbers in `.accepted`), and returns
    /// the configuration a trace header must carry to rebuild it.
    public static func run<P: EventPipeline>(component: String, listeners: [ServerListener], recordPath: String?,
                                             entropy: EntropySource = SystemEntropy(), poller: PollerKind,
                                             serverLimits: HTTPServerLimits, limits: ReactorLimits = ReactorLimits(),
                                             logger: Logger, summary: (P) -> LogFields = { _ in [] },
                                             opened: (WakeupHandle) -> Void = { _ in },
                                             tracing: OTLPConfiguration? = nil,
                                             announce: ([Int]) -> String,
                                             make: (EntropySource, [Int]) -> (P, [(String, String)])) -> Int32 {
        logger.starting(component, listeners.enumerated().flatMap { i, l in
            [("host\(suffix(i))", LogValue.string(l.host)), ("port\(suffix(i))", .int(l.port))] } + [("poller", .string(poller.rawValue))])
        var limits = limits
        limits.writeQueueBytesHigh = serverLimits.readPauseBytes
        limits.writeQueueBytesLow = serverLimits.readResumeBytes
        limits.writeQueueBytesMax = serverLimits.writeQueueBytesMax
        let backlog = ListenBacklog(connections: min(limits.connectionsMax, limits.inboundConnectionsMax))
        var bound: [BoundListener] = []
        for l in listeners {
            do { bound.append(try BoundListener.open(host: l.host, port: l.port, backlog: backlog)) } catch {
                logger.error("cannot listen", [("host", .string(l.host)), ("port", .int(l.port)), ("error", .string(error.message))])
                Terminal.error("\(component): \(error.message)")
                bound.forEach { $0.close() }
                return ExitCode.failure
            }
        }
        for (l, b) in zip(listeners, bound) where !SocketAddress.isLoopback(l.host) {
            logger.warn("listening beyond this machine: \(l.host):\(b.port) serves \(l.serves) to anyone who can reach it",
                        [("host", .string(l.host)), ("port", .int(b.port))])
        }
        let recording = recordPath.map { _ in RecordingEntropy(entropy) }
        let ports = bound.map(\.port)
        if tracing != nil, recordPath != nil {
            // The recording would hold the exporter's connections, which replay does not rebuild.
            Terminal.error("\(component): --record cannot be combined with OTLP tracing yet: unset OTEL_EXPORTER_OTLP_ENDPOINT to record")
            bound.forEach { $0.close() }
            return ExitCode.usage
        }
        let (pipeline, traceConfig) = make(recording ?? entropy, ports)
        let shell = Shell(component: component, listeners: bound, backlog: backlog, recording: recording, recordPath: recordPath,
                          traceConfig: traceConfig, poller: poller, limits: limits, logger: logger, announce: announce(ports))
        // `opened` gets the reactor's wakeup before any event, once this reactor has taken the
        // termination signals: worker threads the pipeline hands work to (`rcom track`'s and
        // `rcom serve`'s store workers, serve's delivery reactors) get their way back in.
        func serve<Q: EventPipeline>(_ q: Q, summary: (Q) -> LogFields, clockOrigin_ns: UInt64? = nil) -> Int32 {
            guard logger.accessLog else { return shell.serve(q, opened: opened, summary: summary, clockOrigin_ns: clockOrigin_ns) }
            let http = Set(listeners.indices.filter { listeners[$0].http })
            let logged = AccessLogged(q, limits: serverLimits.http, listeners: http.count == listeners.count ? nil : http) { r in
                logger.access(method: r.method, path: r.target, status: r.status, duration_ns: r.duration_ns, bytes: r.bytes)
            }
            return shell.serve(logged, opened: opened, summary: { summary($0.inner) }, clockOrigin_ns: clockOrigin_ns)
        }
        if let tracing {
            guard let traced = pipeline as? any TracedPipeline else { preconditionFailure("\(component): tracing needs a TracedPipeline") }
            func exported<T: TracedPipeline>(_ t: T) -> Int32 {
                serve(ServerTracing.exporting(t, tracing, entropy: entropy), summary: { summary($0.inner as! P) },
                      clockOrigin_ns: t.tracing?.reactorOrigin_ns)
            }
            return exported(traced)
        }
        return serve(pipeline, summary: summary)
    }

    private static func suffix(_ i: Int) -> String { i == 0 ? "" : "\(i + 1)" }

    /// What `serve` needs besides the pipeline (the same whether or not it is access-logged).
    private struct Shell {
        let component: String, listeners: [BoundListener], backlog: ListenBacklog
        let recording: RecordingEntropy?, recordPath: String?, traceConfig: [(String, String)]
        let poller: PollerKind, limits: ReactorLimits, logger: Logger, announce: String

        func serve<Q: EventPipeline>(_ pipeline: Q, opened: (WakeupHandle) -> Void, summary: (Q) -> LogFields, clockOrigin_ns: UInt64? = nil) -> Int32 {
            let reactor = Reactor(pipeline: pipeline, poller: poller, limits: limits, origin_ns: clockOrigin_ns)
            listeners.forEach(reactor.adopt)
            if let recordPath, let recording {
                do {
                    reactor.record(to: try TraceRecorder(path: recordPath, component: component, config: traceConfig),
                                   draws: { recording.takeDraws() })
                } catch {
                    Terminal.error("\(component): \(error)")
                    return ExitCode.failure
                }
            }
            reactor.handleTerminationSignals()
            opened(reactor.wakeup)
            reactor.noticeSink = { n in
                let level: LogLevel = switch n.level { case .error: .error; case .warn: .warn; case .info: .info; case .debug: .debug }
                logger.log(level, n.message, n.fields.map { ($0.0, .string($0.1)) })
            }
            // Written unbuffered: scripts wait for this line to know the ports (a JSON record with
            // --log-format json, so a log shipper reading stdout gets no plain-text line).
            FileHandle.standardOutput.write(Data((logger.announcement(announce) + "\n").utf8))
            logger.info("listening", listeners.enumerated().map { ("port\(suffix($0.offset))", LogValue.int($0.element.port)) }
                + [("connections_max", .int(limits.connectionsMax)), ("listen_backlog", .int(backlog.effective))])
            if let shortfall = backlog.shortfall { logger.warn(shortfall) }
            let code = reactor.run()
            logger.info("stopped", [("exit_code", .int(Int(code)))] + summary(reactor.pipeline))
            return code
        }
    }

    public static let pollerOption = OptionSpec("poller", value: "epoll|poll", help: "Readiness backend (poll scans every fd per wait: fine below ~1,000 connections)", default: "epoll")
    public static let recordOption = OptionSpec("record", value: "FILE", help: "Record every event and effect as a JSON-lines trace")

    public static func poller(_ args: ParsedArguments) throws(UsageError) -> PollerKind {
        PollerKind(rawValue: try args.choice("poller", among: PollerKind.allCases.map(\.rawValue)) ?? "epoll") ?? .epoll
    }
}
