import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// The shell shared by server subcommands: listener, reactor, optional trace, signals, logs.
enum ServerRunner {
    /// `make` builds the pipeline from the (possibly recording) entropy and the bound port, and
    /// returns the configuration a trace header must carry to rebuild it. With a `logger`, the
    /// run is logged (starting with version and commit, listening, stopped with `summary` of
    /// the final pipeline) and, with `--access-log`, the pipeline is wrapped to log each request.
    static func run<P: EventPipeline>(component: String, host: String, port: Int, recordPath: String?,
                                      poller: PollerKind, limits: ReactorLimits = ReactorLimits(),
                                      logger: Logger? = nil, summary: (P) -> LogFields = { _ in [] },
                                      announce: (Int) -> String,
                                      make: (EntropySource, Int) -> (P, [(String, String)])) -> Int32 {
        logger?.starting(component, [("host", .string(host)), ("port", .int(port)), ("poller", .string(poller.rawValue))])
        let listener: BoundListener
        let backlog = ListenBacklog(connections: min(limits.connectionsMax, limits.inboundConnectionsMax))
        do { listener = try BoundListener.open(host: host, port: port, backlog: backlog) } catch {
            logger?.error("cannot listen", [("host", .string(host)), ("port", .int(port)), ("error", .string(error.message))])
            Terminal.error("\(component): \(error.message)")
            return ExitCode.failure
        }
        let recording = recordPath.map { _ in RecordingEntropy(SystemEntropy()) }
        let (pipeline, traceConfig) = make(recording ?? SystemEntropy(), listener.port)
        if let logger, logger.accessLog {
            let logged = AccessLogged(pipeline) { r in
                logger.access(method: r.method, path: r.target, status: r.status, duration_ns: r.duration_ns, bytes: r.bytes)
            }
            return serve(logged, component: component, listener: listener, backlog: backlog, recording: recording, recordPath: recordPath,
                         traceConfig: traceConfig, poller: poller, limits: limits, logger: logger,
                         summary: { summary($0.inner) }, announce: announce)
        }
        return serve(pipeline, component: component, listener: listener, backlog: backlog, recording: recording, recordPath: recordPath,
                     traceConfig: traceConfig, poller: poller, limits: limits, logger: logger, summary: summary, announce: announce)
    }

    private static func serve<Q: EventPipeline>(_ pipeline: Q, component: String, listener: BoundListener, backlog: ListenBacklog,
                                                recording: RecordingEntropy?,
                                                recordPath: String?, traceConfig: [(String, String)], poller: PollerKind,
                                                limits: ReactorLimits, logger: Logger?, summary: (Q) -> LogFields,
                                                announce: (Int) -> String) -> Int32 {
        let reactor = Reactor(pipeline: pipeline, poller: poller, limits: limits)
        reactor.adopt(listener)
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
        if let logger {
            reactor.noticeSink = { n in
                let level: LogLevel = switch n.level { case .error: .error; case .warn: .warn; case .info: .info; case .debug: .debug }
                logger.log(level, n.message, n.fields.map { ($0.0, .string($0.1)) })
            }
        }
        // Written unbuffered: scripts wait for this line to know the port.
        let line = announce(listener.port)
        FileHandle.standardOutput.write(Data(((logger?.announcement(line) ?? line) + "\n").utf8))
        logger?.info("listening", [("port", .int(listener.port)), ("connections_max", .int(limits.connectionsMax)),
                                   ("listen_backlog", .int(backlog.effective))])
        if let shortfall = backlog.shortfall { logger?.warn(shortfall) }
        let code = reactor.run()
        logger?.info("stopped", [("exit_code", .int(Int(code)))] + summary(reactor.pipeline))
        return code
    }

    static let pollerOption = OptionSpec("poller", value: "epoll|poll", help: "Readiness backend (poll scans every fd per wait: fine below ~1,000 connections)", default: "epoll")
    static let recordOption = OptionSpec("record", value: "FILE", help: "Record every event and effect as a JSON-lines trace")

    static func poller(_ args: ParsedArguments) throws(UsageError) -> PollerKind {
        PollerKind(rawValue: try args.choice("poller", among: PollerKind.allCases.map(\.rawValue)) ?? "epoll") ?? .epoll
    }
}
