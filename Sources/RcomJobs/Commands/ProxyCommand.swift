import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor

public enum ProxyCommand: Command {
    public static let spec = CommandSpec(
        name: "proxy",
        summary: "Async job proxy: synchronous clients, callback-driven job server, one process",
        usage: "proxy [--host 0.0.0.0] [--port 8080] [--upstream http://HOST:PORT] [--public-url URL] [--callback-timeout 30s] [--header-timeout 10s] [--idle-timeout 60s] [--drain-timeout 30s] [--max-connections N] [--record FILE]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Address to listen on", default: "0.0.0.0"),
            OptionSpec("port", value: "PORT", help: "Port to listen on (0: any free port)", default: "8080"),
            OptionSpec("upstream", value: "URL", help: "The job server's base URL (starts go to URL/start)", default: "http://127.0.0.1:9000", env: "RCOM_UPSTREAM"),
            OptionSpec("public-url", value: "URL", help: "Base of the callback URLs the job server will call (e.g. your ngrok https URL); default: http://127.0.0.1:PORT", env: "RCOM_PUBLIC_URL"),
            OptionSpec("callback-timeout", value: "DURATION", help: "Answer 504 if no callback arrives within this", default: "30s"),
            OptionSpec("start-timeout", value: "DURATION", help: "Answer 504 (and reset the upstream connection) if the job server answers no start request for this long", default: "10s"),
            OptionSpec("header-timeout", value: "DURATION", help: "A request (head and body) not complete this long after its first byte gets 408 and is closed", default: "10s"),
            OptionSpec("idle-timeout", value: "DURATION", help: "Close keep-alive client connections idle this long (never one whose job is running)", default: "60s"),
            OptionSpec("drain-timeout", value: "DURATION", help: "On SIGTERM/SIGINT keep waiting clients this long for their callbacks, then answer 503 and exit", default: "30s"),
            OptionSpec("max-connections", value: "N", help: "Client connections at most; at the bound the oldest idle or half-sent one is closed, else 503. Capped by the file-descriptor limit (RLIMIT_NOFILE, raised to its hard limit) less a reserve for upstream connections", default: "15000"),
            OptionSpec("max-upstream-connections", value: "N", help: "Accounts with an open upstream connection at once", default: "1000"),
            OptionSpec("upstream-pipeline-depth", value: "N", help: "Most starts in flight on one upstream connection, reached after the job server answered 64 in a row (one at a time before, and after a break): bounds how many become ambiguous when it breaks", default: "16"),
            OptionSpec("instance", value: "ID", help: "This instance's name in callback URLs (<public-url>/callback/ID/<token>), for a front end that routes callbacks by path; default: HOST-PORT with dots as dashes, e.g. 127-0-0-2-8080"),
            OptionSpec("upstream-idle-release", value: "DURATION", help: "Close an account's upstream connection after it idles this long (0: keep it), so instances behind a balancer take turns with a one-connection-per-account job server", default: "0"),
            OptionSpec("ambiguity-grace", value: "DURATION", help: "A start in flight on a connection that broke may be running: its client waits this long for the callback, then gets 502", default: "5s"),
            ServerRunner.recordOption,
            ServerRunner.pollerOption,
        ] + LogOptions.options,
        discussion: """
        Clients POST {"account": ..., "wait": true} to any path (e.g. /start); the proxy starts the job
        upstream with wait:false and a callback URL <public-url>/callback/<token>, and answers the client
        with the callback's JSON when it arrives. wait:false requests are forwarded as they are.
        Endpoints of its own: POST /callback/<token>, GET /healthz, GET /stats.

        Behind ngrok:  ngrok http 8080   then
                       rcom proxy --port 8080 --upstream http://jobs.asgateway.com --public-url https://<id>.ngrok-free.app
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var config: ProxyConfig
        let host: String
        let port: Int
        let poller: PollerKind
        var limits = ReactorLimits()
        let logger: Logger
        do throws(UsageError) {
            logger = try LogOptions.logger(args)
            host = args.string("host") ?? "0.0.0.0"
            port = try args.int("port", range: 0...65535) ?? 8080
            let upText = args.string("upstream") ?? ""
            let upstream: HTTPURL
            switch HTTPURL.parse(upText) {
            case .failure(let e): throw UsageError("--upstream \(TerminalText.quoted(upText)): \(e.reason)")
            case .success(let u): upstream = u
            }
            guard upstream.scheme == "http" else {
                throw UsageError("--upstream must be an http:// URL (TLS upstreams are not supported), got \(TerminalText.quoted(upText))")
            }
            var publicURL = HTTPURL(scheme: "http", host: host == "0.0.0.0" ? "127.0.0.1" : host, port: port)
            if let p = args.string("public-url") {
                guard let u = HTTPURL(p) else { throw UsageError("--public-url must be an absolute http(s) URL, got '\(p)'") }
                publicURL = u
            }
            config = ProxyConfig(upstream: upstream, publicURL: publicURL)
            config.build = BuildLabel(version: RcomBuild.version, commit: RcomBuild.commit)
            config.callbackTimeout_ms = max(1, try args.duration_ms("callback-timeout") ?? 30_000)
            config.startTimeout_ms = max(1, try args.duration_ms("start-timeout") ?? 10_000)
            config.upstreamConnectionsMax = try args.int("max-upstream-connections", range: 1...100_000) ?? 1000
            config.upstreamPipelineDepthMax = try args.int("upstream-pipeline-depth", range: 1...100_000) ?? 16
            config.ambiguityGrace_ms = max(1, try args.duration_ms("ambiguity-grace") ?? 5_000)
            config.upstreamIdleRelease_ms = max(0, try args.duration_ms("upstream-idle-release") ?? 0)
            if let id = args.string("instance") {
                guard ProxyConfig.isValidInstance(id) else {
                    throw UsageError("--instance must be 1 to 64 letters, digits, '-', '.', '_' or '~' (one URL path segment), got \(TerminalText.quoted(id))")
                }
                config.instance = id
            }
            config.clientTimeouts = HTTPServerTimeouts(request_ms: max(1, try args.duration_ms("header-timeout") ?? 10_000),
                                                       idle_ms: max(1, try args.duration_ms("idle-timeout") ?? 60_000))
            config.drainTimeout_ms = max(0, try args.duration_ms("drain-timeout") ?? 30_000)
            let budget = ProxyDescriptorBudget(descriptorsMax: DescriptorLimit.raise(),
                                               clientsWanted: try args.int("max-connections", range: 2...1_000_000) ?? 15_000,
                                               upstreamWanted: config.upstreamConnectionsMax)
            guard budget.clientsMax >= 1 else {
                throw UsageError("the file-descriptor limit (\(budget.descriptorsMax)) leaves no room for clients; raise it with ulimit -n")
            }
            config.clientConnectionsMax = budget.clientsMax
            config.upstreamConnectionsMax = budget.upstreamMax
            config.callbackConnectionsReserve = budget.callbackReserve
            limits.connectionsMax = budget.reactorConnectionsMax
            limits.inboundConnectionsMax = budget.inboundConnectionsMax
            poller = try ServerRunner.poller(args)
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let explicitPublic = args.isSet("public-url")
        return ServerRunner.run(
            component: "proxy", host: host, port: port, recordPath: args.string("record"), poller: poller,
            limits: limits, logger: logger,
            summary: { p in
                [("requests", .int(p.stats.requests)), ("jobs_delivered", .int(p.stats.jobsDelivered)),
                 ("upstream_ambiguous", .int(p.stats.upstreamAmbiguous)), ("timeouts", .int(p.stats.timeouts))]
            },
            announce: { bound in
                "rcom proxy listening on http://\(host):\(bound) → upstream \(config.upstream), callbacks via \(explicitPublic ? config.publicURL.description : "http://127.0.0.1:\(bound)")"
            },
            make: { entropy, bound in
                var c = config
                if !args.isSet("instance") { c.instance = ProxyConfig.defaultInstance(host: host, port: bound) }
                if !explicitPublic { c.publicURL = HTTPURL(scheme: "http", host: host == "0.0.0.0" ? "127.0.0.1" : host, port: bound) }
                return (ProxyPipeline(config: c, entropy: entropy), c.traceConfig)
            })
    }
}
