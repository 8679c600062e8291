import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// The shell shared by server subcommands: listener, reactor, optional trace, signals.
enum ServerRunner {
    /// `make` builds the pipeline from the (possibly recording) entropy and the bound port, and
    /// returns the configuration a trace header must carry to rebuild it.
    static func run<P: EventPipeline>(component: String, host: String, port: Int, recordPath: String?,
                                      poller: PollerKind, limits: ReactorLimits = ReactorLimits(),
                                      announce: (Int) -> String,
                                      make: (EntropySource, Int) -> (P, [(String, String)])) -> Int32 {
        let listener: BoundListener
        do { listener = try BoundListener.open(host: host, port: port) } catch {
            Terminal.error("\(component): \(error.message)")
            return ExitCode.failure
        }
        let recording = recordPath.map { _ in RecordingEntropy(SystemEntropy()) }
        let (pipeline, traceConfig) = make(recording ?? SystemEntropy(), listener.port)
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
        // Written unbuffered: scripts wait for this line to know the port.
        FileHandle.standardOutput.write(Data((announce(listener.port) + "\n").utf8))
        return reactor.run()
    }

    static let pollerOption = OptionSpec("poller", value: "epoll|poll", help: "Readiness backend (poll scans every fd per wait: fine below ~1,000 connections)", default: "epoll")
    static let recordOption = OptionSpec("record", value: "FILE", help: "Record every event and effect as a JSON-lines trace")

    static func poller(_ args: ParsedArguments) throws(UsageError) -> PollerKind {
        PollerKind(rawValue: try args.choice("poller", among: PollerKind.allCases.map(\.rawValue)) ?? "epoll") ?? .epoll
    }
}
