import Foundation
import RcomCLI
import RcomCore
import RcomJobs
import RcomNotify

/// `rcom replay`: here, in the executable, because it is the one target that sees every
/// recordable component (the job pipelines in RcomJobs, the notify servers in RcomNotify).
enum ReplayCommand: Command {
    static let spec = CommandSpec(
        name: "replay",
        summary: "Replay a recorded trace (--record) and check every effect matches, byte for byte",
        usage: "replay FILE",
        positionalsMax: 1,
        discussion: "Components: proxy, jobserver, providers, track, serve, routing.\nExit 0 identical, 1 diverged (the first difference is printed), 2 unreadable trace.")

    static func run(_ args: ParsedArguments) -> Int32 {
        guard let path = args.positionals.first else {
            Terminal.error("replay needs a trace FILE (see rcom replay --help)")
            return ExitCode.usage
        }
        let text: String
        switch InputFile.read(path, as: "the trace") {
        case .failure(let why):
            Terminal.error(why.message)
            return ExitCode.usage
        case .success(let bytes):
            // A trace is JSON lines (UTF-8): anything else is not one, however it was made.
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                Terminal.error("\(path) is not a trace: it is not UTF-8 text (rcom replay reads the JSON lines --record writes)")
                return ExitCode.usage
            }
            text = decoded
        }
        let lines = text.components(separatedBy: "\n")
        let outcome = ComponentReplay.replay(lines: lines, components: TraceReplay.components + NotifyTrace.components)
        switch outcome {
        case .failure(let failure):
            Terminal.error("\(path) is not a trace that can be replayed: \(failure.description)")
            return ExitCode.usage
        case .success(let o):
            // A diverged outcome quotes bytes from the trace file.
            print(TerminalText.neutralized(o.description))
            if case .identical = o { return ExitCode.success }
            return ExitCode.failure
        }
    }
}
