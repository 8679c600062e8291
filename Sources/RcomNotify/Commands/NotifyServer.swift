import RcomCLI
import RcomCore
import RcomReactor

/// The shell shared by `rcom track` and `rcom providers`: listeners, logs (starting with the
/// build, listening, stopped with a summary), `--access-log` (the pipeline wrapped in
/// `AccessLogged`), then `NotifyTrace.serve` (trace, signals, announce line, loop). `opened`
/// gets the reactor's wakeup before it runs (`rcom track` starts its store worker with it).
enum NotifyServer {
    static func run<P: EventPipeline>(_ pipeline: P, component: String, host: String, ports: [Int], record: String?,
                                      traceConfig: [(String, String)], draws: @escaping () -> [UInt64], logger: Logger,
                                      httpListeners: Set<Int>? = nil, opened: (WakeupHandle) -> Void = { _ in },
                                      announce: ([Int]) -> String, summary: (P) -> LogFields) -> Int32 {
        logger.starting(component, [("host", .string(host))] + ports.enumerated().map { ("port\($0.offset == 0 ? "" : "\($0.offset + 1)")", .int($0.element)) })
        guard logger.accessLog else {
            return serve(pipeline, component: component, host: host, ports: ports, record: record, traceConfig: traceConfig,
                         draws: draws, logger: logger, opened: opened, announce: announce, summary: summary)
        }
        let logged = AccessLogged(pipeline, listeners: httpListeners) { r in
            logger.access(method: r.method, path: r.target, status: r.status, duration_ns: r.duration_ns, bytes: r.bytes)
        }
        return serve(logged, component: component, host: host, ports: ports, record: record, traceConfig: traceConfig,
                     draws: draws, logger: logger, opened: opened, announce: announce, summary: { summary($0.inner) })
    }

    private static func serve<Q: EventPipeline>(_ pipeline: Q, component: String, host: String, ports: [Int], record: String?,
                                                traceConfig: [(String, String)], draws: @escaping () -> [UInt64], logger: Logger,
                                                opened: (WakeupHandle) -> Void,
                                                announce: ([Int]) -> String, summary: (Q) -> LogFields) -> Int32 {
        let reactor = Reactor(pipeline: pipeline)
        // Before any event: a worker thread the pipeline hands work to gets its way back in.
        opened(reactor.wakeup)
        var bound: [Int] = []
        for port in ports {
            do { bound.append(try reactor.listen(host: host, port: port)) } catch {
                logger.error("cannot listen", [("host", .string(host)), ("port", .int(port)), ("error", .string(error.message))])
                Terminal.error("\(component): \(error.message)")
                return ExitCode.failure
            }
        }
        logger.info("listening", bound.enumerated().map { ("port\($0.offset == 0 ? "" : "\($0.offset + 1)")", .int($0.element)) })
        let code = NotifyTrace.serve(reactor, component: component, record: record, config: traceConfig, draws: draws,
                                     announce: logger.announcement(announce(bound)))
        logger.info("stopped", [("exit_code", .int(Int(code)))] + summary(reactor.pipeline))
        return code
    }
}
