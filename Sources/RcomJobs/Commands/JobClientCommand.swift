import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomServer

public enum JobClientCommand: Command {
    public static let spec = CommandSpec(
        name: "jobclient",
        summary: "Run the work sample's client: N synchronous jobs at once, PASSED only if all finish in time",
        usage: "jobclient [--url URL] [--account NAME] [--jobs 50] [--deadline 5s]",
        options: [
            OptionSpec("url", value: "URL", help: "Where to POST the jobs", default: "http://127.0.0.1:9000/start"),
            OptionSpec("account", value: "NAME", help: "Account to run the jobs under", default: "example"),
            OptionSpec("jobs", value: "N", help: "How many jobs to start at once", default: "50"),
            OptionSpec("deadline", value: "DURATION", help: "All jobs must finish within this", default: "5s"),
            OptionSpec("give-up", value: "DURATION", help: "Stop waiting for unanswered jobs after this", default: "60s"),
            OptionSpec("durations", value: "FILE", help: "Write each job's duration in ms, one per line (for benchmarks)"),
            ServerRunner.pollerOption,
        ],
        discussion: "Exit 0 PASSED, 1 FAILED, 2 usage. The default URL is the local job server itself, so a bare run\nFAILS as in the work sample; point --url at `rcom proxy` to pass.")

    public static func run(_ args: ParsedArguments) -> Int32 {
        let config: JobClientPipeline.Config
        let deadline: Int64
        let poller: PollerKind
        do throws(UsageError) {
            let urlText = args.string("url") ?? ""
            let url: HTTPURL
            switch HTTPURL.parse(urlText) {
            case .failure(let why): throw UsageError("--url \(TerminalText.quoted(urlText)): \(why.reason)")
            case .success(let u) where u.scheme != "http":
                throw UsageError("--url \(TerminalText.quoted(urlText)): the job client speaks plain http://, not https://")
            case .success(let u): url = u
            }
            let jobs = try args.int("jobs", range: 1...100_000) ?? 50
            deadline = try args.duration_ms("deadline") ?? 5000
            let giveUp = try args.duration_ms("give-up") ?? 60_000
            poller = try ServerRunner.poller(args)
            config = .init(url: url, account: args.string("account") ?? "example", jobs: jobs, giveUp_ms: max(giveUp, 1))
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let bar = ProgressBar(total: config.jobs)
        let onTerminal = Terminal.stdoutIsTerminal
        var pipeline = JobClientPipeline(config: config)
        let reactor0Start = MonotonicClock.now_ns()
        var lastDraw: UInt64 = 0
        if onTerminal {
            pipeline.onProgress = { done in
                let now = MonotonicClock.now_ns()
                guard done == config.jobs || now - lastDraw > 50_000_000 else { return }
                lastDraw = now
                // Unbuffered, so the line redraws as jobs finish.
                FileHandle.standardOutput.write(Data(("\r" + bar.render(done: done, elapsed_s: Double(now - reactor0Start) / 1e9)).utf8))
            }
        }
        let reactor = Reactor(pipeline: pipeline, poller: poller)
        reactor.handleTerminationSignals()
        reactor.wakeup.post(.wakeup(tag: "start", payload: []))
        let code = reactor.run()
        let p = reactor.pipeline
        let total = (p.finished_ns > 0 ? p.finished_ns : reactor.now_ns()) - p.started_ns
        print((onTerminal ? "\r" : "") + bar.render(done: p.done, elapsed_s: Double(total) / 1e9))
        print("")
        let report = JobClientReport(results: p.results, total_ns: total, deadline_ms: deadline)
        print(report.text, terminator: "")
        if let path = args.string("durations") {
            let lines = p.results.map { String(format: "%.3f", Double($0.duration_ns) / 1e6) }.joined(separator: "\n") + "\n"
            if !FileManager.default.createFile(atPath: path, contents: Data(lines.utf8)) {
                Terminal.error("cannot write --durations file \(path)")
            }
        }
        if code == 130 { return 130 }
        return report.passed ? ExitCode.success : ExitCode.failure
    }
}
