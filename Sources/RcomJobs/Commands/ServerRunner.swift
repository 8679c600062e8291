import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// The shell shared by server subcommands: reactor, listener, optional trace, signals.
enum ServerRunner {
    /// Builds the reactor with the pipeline made from the (possibly recording) entropy source.
    static func run<P: EventPipeline>(component: String, host: String, port: Int, recordPath: String?,
                                      poller: PollerKind, traceConfig: [(String, String)],
                                      announce: (Int) -> Void,
                                      make: (EntropySource) -> P) -> Int32 {
        let recording = recordPath.map { _ in RecordingEntropy(SystemEntropy()) }
        let reactor = Reactor(pipeline: make(recording ?? SystemEntropy()), poller: poller)
        let bound: Int
        do { bound = try reactor.listen(host: host, port: port) } catch {
            Terminal.error("\(component): \(error.message)")
            return ExitCode.failure
        }
        if let recordPath, let recording {
            do {
                reactor.record(to: try TraceRecorder(path: recordPath, component: component,
                                                     config: traceConfig + [("listen_port", "\(bound)")]),
                               draws: { recording.takeDraws() })
            } catch {
                Terminal.error("\(component): \(error)")
                return ExitCode.failure
            }
        }
        reactor.handleTerminationSignals()
        announce(bound)
        return reactor.run()
    }

    static let pollerOption = OptionSpec("poller", value: "poll|epoll", help: "Readiness backend", default: "poll")
    static let recordOption = OptionSpec("record", value: "FILE", help: "Record every event and effect as a JSON-lines trace")

    static func poller(_ args: ParsedArguments) throws(UsageError) -> PollerKind {
        PollerKind(rawValue: try args.choice("poller", among: PollerKind.allCases.map(\.rawValue)) ?? "poll") ?? .poll
    }
}
