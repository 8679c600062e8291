import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor
import RcomServer

public enum JobServerCommand: Command {
    public static let spec = CommandSpec(
        name: "jobserver",
        summary: "Run the work sample's job server locally (one handler per account, callbacks, proofs, faults)",
        usage: "jobserver [--host 127.0.0.1] [--port 9000] [--job-ms 500] [--secret S] [--hold request|connection] [--faults SPEC] [--seed N] [--header-timeout 10s] [--idle-timeout 60s] [--max-connections N] [--record FILE] [--log-format text|json] [--log-level LEVEL] [--access-log]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Address to listen on", default: "127.0.0.1"),
            OptionSpec("port", value: "PORT", help: "Port to listen on (0: any free port)", default: "9000"),
            OptionSpec("job-ms", value: "MS", help: "How long each job takes", default: "500"),
            OptionSpec("secret", value: "S", help: "Proof-signing secret (default: the one stored in $RCOM_HOME/jobserver.secret, created on first use)", env: "RCOM_JOBSERVER_SECRET"),
            OptionSpec("hold", value: "request|connection", help: "When an account's single handler is released", default: "request"),
            OptionSpec("faults", value: "SPEC", help: "Faults to inject, e.g. drop-callback=0.1,delay-callback=2s@0.1 (see below)"),
            OptionSpec("seed", value: "N", help: "Seed for the fault schedule", default: "1"),
        ] + ServerOptions.limitOptions + [
            ServerRunner.recordOption,
            ServerRunner.pollerOption,
        ] + LogOptions.options,
        discussion: """
        Endpoints: POST /start {"account","wait","callback"}, POST /verify (a proof block; ?jobs=N&deadline_ms=MS),
        GET /stats, GET /metrics (Prometheus), GET /healthz (with version and commit).

        --hold request     the account's handler is freed as soon as a response is written (default).
        --hold connection  the handler stays with the connection that took it until that connection
                           closes: a client must then use exactly one connection per account.

        Faults (probabilities per start request, reproducible with --seed):
          drop-callback=P  duplicate-callback=P  early-callback=P (callback before the start response)
          delay-callback=DUR@P  error-500=P (500 or 503)  slow-start=DUR@P
          reset=P (reset instead of starting the job)
          reset-after-start=P (the job starts and will call back; the connection is reset before the answer)
        GET /stats counts starts_repeated: start requests for a callback URL already started (must stay 0).
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var config = JobServerConfig()
        let host: String
        let port: Int
        let poller: PollerKind
        let logger: Logger
        let otlp: OTLPConfiguration?
        do throws(UsageError) {
            logger = try LogOptions.logger(args)
            otlp = try ServerTracing.configuration(serviceName: "rcom-jobserver", version: RcomBuild.version)
            host = args.string("host") ?? "127.0.0.1"
            port = try args.int("port", range: 0...65535) ?? 9000
            config.job_ms = Int64(try args.int("job-ms", range: 0...3_600_000) ?? 500)
            config.hold = HandlerHold(rawValue: try args.choice("hold", among: HandlerHold.allCases.map(\.rawValue)) ?? "request") ?? .request
            config.seed = UInt64(try args.int("seed", range: 0...Int.max) ?? 1)
            poller = try ServerRunner.poller(args)
            config.server = try ServerOptions.limits(args, http: config.server.http)
            if let spec = args.string("faults") {
                switch FaultSpec.parse(spec) {
                case .success(let f): config.faults = f
                case .failure(let e): throw UsageError("--faults: \(e.message)")
                }
            }
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        switch SecretStore.secret(args.string("secret")) {
        case .success(let s): config.secret = s
        case .failure(let e):
            Terminal.error(e.message)
            return ExitCode.failure
        }
        // startedAt is wall time; the pipeline derives it from monotonic time and this origin.
        let wallAtStart = MonotonicClock.wall_ms()
        config.wallOrigin_ms = wallAtStart - 1000
        config.build = BuildLabel(version: RcomBuild.version, commit: RcomBuild.commit)
        return ServerRunner.run(
            component: "jobserver", listeners: [ServerListener(host: host, port: port, serves: "job starts on any account, proof verification, /stats, /metrics, /healthz")],
            recordPath: args.string("record"), poller: poller, serverLimits: config.server, logger: logger,
            summary: { p in
                [("requests", .int(p.stats.requests)), ("jobs_started", .int(p.stats.jobsStarted)),
                 ("callbacks_failed", .int(p.stats.callbacksFailed)), ("bad_requests", .int(p.stats.badRequests))]
            },
            tracing: otlp,
            announce: { bound in
                "rcom jobserver listening on http://\(host):\(bound[0]) (job \(config.job_ms) ms, hold \(config.hold.rawValue)\(config.faults.rules.isEmpty ? "" : ", faults \(config.faults)"))"
            },
            make: { entropy, _ in
                (JobServerPipeline(config: config, entropy: entropy, tracing: ServerTracing.pipelineTracing(otlp, entropy: entropy)), config.traceConfig)
            })
    }
}

public enum JobServerVerifyCommand: Command {
    public static let spec = CommandSpec(
        name: "jobserver verify",
        summary: "Check a jobclient proof against the job server's secret",
        usage: "jobserver verify [--secret S] [--jobs 50] [--deadline 5s] [FILE | -]",
        options: [
            OptionSpec("secret", value: "S", help: "The job server's secret (default: the stored one)", env: "RCOM_JOBSERVER_SECRET"),
            OptionSpec("jobs", value: "N", help: "How many jobs the proof must hold", default: "50"),
            OptionSpec("deadline", value: "DURATION", help: "Jobs must have started within this span", default: "5s"),
        ],
        positionalsMax: 1,
        discussion: "FILE may be the jobclient's whole output: the block after the 'Proof' line is used.\nExit 0 VALID, 1 INVALID, 2 usage.")

    public static func run(_ args: ParsedArguments) -> Int32 {
        let jobs: Int
        let deadline: Int64
        do {
            jobs = try args.int("jobs", range: 1...10_000_000) ?? 50
            deadline = try args.duration_ms("deadline") ?? 5000
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let source = args.positionals.first ?? "-"
        let data: Data
        if source == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            switch InputFile.read(source, as: "the proof file") {
            case .failure(let why):
                Terminal.error(why.message)
                return ExitCode.usage
            case .success(let bytes): data = Data(bytes)
            }
        }
        let secret: [UInt8]
        switch SecretStore.secret(args.string("secret")) {
        case .success(let s): secret = s
        case .failure(let e):
            Terminal.error(e.message)
            return ExitCode.failure
        }
        switch ProofBlock.decode(String(decoding: data, as: UTF8.self)) {
        case .failure(let e):
            print("INVALID: \(e.description)")
            return ExitCode.failure
        case .success(let block):
            let problems = ProofVerifier(secret: secret, jobsExpected: jobs, startSpread_ms_max: deadline).problems(block)
            if problems.isEmpty {
                print("VALID: \(block.jobs.count) jobs, every proof issued by this server, ids unique, started within \(deadline) ms")
                return ExitCode.success
            }
            print("INVALID:")
            for p in problems.prefix(20) { print("  \(p)") }
            if problems.count > 20 { print("  ... and \(problems.count - 20) more") }
            return ExitCode.failure
        }
    }
}
