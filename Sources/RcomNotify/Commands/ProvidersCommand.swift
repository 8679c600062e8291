import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomServer
import RcomReactor

/// `rcom providers`: the provider simulator as a server.
public enum ProvidersCommand: Command {
    public static let spec = CommandSpec(
        name: "providers",
        summary: "Simulate the SMS (Twilio-style), Slack, webhook and SMTP providers locally",
        usage: "providers [--port 9200] [--smtp-port 9201] [--faults SPEC] [--engage SPEC] [--seed N] [--record FILE] [--log-format text|json] [--log-level LEVEL] [--access-log]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Listen address", default: "127.0.0.1", env: "RCOM_PROVIDERS_HOST"),
            OptionSpec("port", short: "p", value: "PORT", help: "HTTP providers (SMS, Slack, webhook)", default: "9200", env: "RCOM_PROVIDERS_PORT"),
            OptionSpec("smtp-port", value: "PORT", help: "SMTP relay (default: --port + 1; 0 with --port 0)", env: "RCOM_PROVIDERS_SMTP_PORT"),
            OptionSpec("faults", value: "SPEC",
                       help: "[CHANNEL:]KIND=P|Nx,... KIND: 500, 429, timeout, reject, reset; P a probability, Nx the first N requests",
                       env: "RCOM_PROVIDERS_FAULTS"),
            OptionSpec("engage", value: "SPEC", help: "Click tracking links: email=0.2,sms=0.35,slack=0.5", env: "RCOM_PROVIDERS_ENGAGE"),
            OptionSpec("retry-after", value: "SECONDS", help: "Retry-After of a 429 fault", default: "1", env: "RCOM_PROVIDERS_RETRY_AFTER"),
            OptionSpec("seed", value: "N", help: "Seed message ids, faults and clicks", default: "1", env: "RCOM_PROVIDERS_SEED"),
            OptionSpec("quiet", short: "q", help: "Do not print each request", env: "RCOM_PROVIDERS_QUIET"),
        ] + ServerOptions.limitOptions + [ServerRunner.recordOption, ServerRunner.pollerOption] + LogOptions.options,
        discussion: """
        Endpoints: POST /2010-04-01/Accounts/{sid}/Messages.json (SMS), POST /slack/{workspace}/{channel},
        POST /webhook/{name}, GET /_sim/stats, GET /metrics (Prometheus), GET /healthz, and SMTP on --smtp-port. Point rcom send at it with
          RCOM_SMS_URL=http://127.0.0.1:9200 RCOM_SLACK_WEBHOOK_URL='http://127.0.0.1:9200/slack/{target}'
          RCOM_SMTP_URL=smtp://127.0.0.1:9201
        Example: rcom providers --faults 'sms:500=2x,slack:429=0.1' --engage email=0.2,sms=0.35,slack=0.5
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var config = ProvidersConfig()
        let host = args.string("host")!
        let port: Int, smtpPort: Int
        let logger: Logger
        let poller: PollerKind
        do throws(UsageError) {
            logger = try LogOptions.logger(args)
            poller = try ServerRunner.poller(args)
            config.server = try ServerOptions.limits(args, http: config.server.http)
            port = try args.int("port", range: 0...65535) ?? 9200
            smtpPort = try args.int("smtp-port", range: 0...65535) ?? (port == 0 ? 0 : port + 1)
            config.retryAfter_s = try args.int("retry-after", range: 0...86_400) ?? 1
            config.seed = UInt64(try args.int("seed", range: 0...Int.max) ?? 1)
            switch ProviderFaults.parse(args.string("faults") ?? "", channels: ProvidersPipeline.channels) {
            case .failure(let e): throw UsageError("--faults: \(e.message)")
            case .success(let f): config.faults = f
            }
            switch EngageSpec.parse(args.string("engage") ?? "", channels: ProvidersPipeline.channels) {
            case .failure(let e): throw UsageError(e.message)
            case .success(let e): config.engage = e
            }
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        config.build = BuildLabel(version: RcomBuild.version, commit: RcomBuild.commit)
        let header = NotifyTrace.providersHeader(faults: args.string("faults") ?? "", engage: args.string("engage") ?? "",
                                                 retryAfter_s: config.retryAfter_s, seed: config.seed, build: config.build,
                                                 server: config.server)
        let quiet = args.flag("quiet")
        return ServerRunner.run(
            component: NotifyTrace.providersComponent,
            listeners: [ServerListener(host: host, port: port, serves: "simulated SMS, Slack and webhook providers, /_sim/stats, /metrics, /healthz"),
                        ServerListener(host: host, port: smtpPort, serves: "a simulated SMTP relay", http: false)],
            recordPath: args.string("record"), entropy: SeededEntropy(seed: config.seed), poller: poller,
            serverLimits: config.server, logger: logger,
            summary: { (p: ProvidersPipeline) in
                [("requests", .int(p.stats.requests.values.reduce(0, +))),
                 ("faulted", .int(p.stats.faulted.values.reduce(0, +)))]
            },
            announce: { "providers: http://\(host):\($0[0]) smtp://\(host):\($0[1])" },
            make: { entropy, _ in
                var pipeline = ProvidersPipeline(config: config, entropy: entropy)
                if !quiet {
                    pipeline.observer = { c in
                        // Unbuffered, so a script reading the log sees each request as it happens.
                        FileHandle.standardOutput.write(Data("\(c.channel) \(c.target) -> \(c.answer)\n".utf8))
                    }
                }
                return (pipeline, header)
            })
    }
}
