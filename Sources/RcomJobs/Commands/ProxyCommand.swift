import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor
import RcomServer

public enum ProxyCommand: Command {
    public static let spec = CommandSpec(
        name: "proxy",
        summary: "Async job proxy: synchronous clients, callback-driven job server, one process",
        usage: "proxy [--host 127.0.0.1] [--port 8080] [--callback-listen HOST:PORT] [--admin-listen HOST:PORT] [--upstream http://HOST:PORT] [--public-url URL] [--callback-timeout 30s] [--header-timeout 10s] [--idle-timeout 60s] [--drain-timeout 30s] [--max-connections N] [--record FILE]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Address to listen on for clients (0.0.0.0: every interface)", default: "127.0.0.1"),
            OptionSpec("port", value: "PORT", help: "Port to listen on for clients (0: any free port)", default: "8080"),
            OptionSpec("listen", value: "HOST:PORT", help: "Clients' listener, as one flag (wins over --host and --port)"),
            OptionSpec("callback-listen", value: "HOST:PORT", help: "Serve the job server's callbacks (POST /callback/...) here and only here; everything else is 404 on it. Default: on the clients' listener"),
            OptionSpec("admin-listen", value: "HOST:PORT", help: "Serve /metrics, /stats and /healthz here and only here. Default: on the clients' listener"),
            OptionSpec("upstream", value: "URL", help: "The job server's base URL (starts go to URL/start)", default: "http://127.0.0.1:9000", env: "RCOM_UPSTREAM"),
            OptionSpec("public-url", value: "URL", help: "Base of the callback URLs the job server will call (e.g. your ngrok https URL); default: http://HOST:PORT of the callback listener (127.0.0.1 for 0.0.0.0)", env: "RCOM_PUBLIC_URL"),
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
        Endpoints of its own: POST /callback/<instance>/<token>, GET /healthz, GET /stats, GET /metrics.
        By role: clients (jobs) on --host/--port, callbacks on --callback-listen, admin on
        --admin-listen; a role without its own listener is served on the clients' one. An address
        given twice is one listener serving both roles. A request outside its listener's roles: 404.

        Behind ngrok, publish the callback listener alone (jobs, /stats and /metrics stay local):
          rcom proxy --port 8080 --callback-listen 127.0.0.1:8090 --upstream http://jobs.asgateway.com --public-url https://<id>.ngrok-free.app
          ngrok http 8090
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var config: ProxyConfig
        var listeners: [(host: String, port: Int, roles: ListenerRoles)] = []
        let poller: PollerKind
        var limits = ReactorLimits()
        let logger: Logger
        let otlp: OTLPConfiguration?
        do throws(UsageError) {
            logger = try LogOptions.logger(args)
            otlp = try ServerTracing.configuration(serviceName: "rcom-proxy", version: RcomBuild.version)
            listeners = try roleListeners(args)
            let upText = args.string("upstream") ?? ""
            let upstream: HTTPURL
            switch HTTPURL.parse(upText) {
            case .failure(let e): throw UsageError("--upstream \(TerminalText.quoted(upText)): \(e.reason)")
            case .success(let u): upstream = u
            }
            guard upstream.scheme == "http" else {
                throw UsageError("--upstream must be an http:// URL (TLS upstreams are not supported), got \(TerminalText.quoted(upText))")
            }
            let callbacks = listeners.first { $0.roles.contains(.callbacks) }!
            var publicURL = HTTPURL(scheme: "http", host: reachable(callbacks.host), port: callbacks.port)
            if let p = args.string("public-url") {
                guard let u = HTTPURL(p) else { throw UsageError("--public-url must be an absolute http(s) URL, got '\(p)'") }
                publicURL = u
            }
            config = ProxyConfig(upstream: upstream, publicURL: publicURL)
            config.listenerRoles = listeners.map(\.roles)
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
        let callbackIndex = listeners.firstIndex { $0.roles.contains(.callbacks) }!
        return ServerRunner.run(
            component: "proxy", listeners: listeners.map { ServerListener(host: $0.host, port: $0.port, serves: $0.roles.exposure) },
            recordPath: args.string("record"), poller: poller,
            serverLimits: HTTPServerLimits(http: config.limits, timeouts: config.clientTimeouts, connectionsMax: config.clientConnectionsMax),
            limits: limits, logger: logger,
            summary: { p in
                [("requests", .int(p.stats.requests)), ("jobs_delivered", .int(p.stats.jobsDelivered)),
                 ("upstream_ambiguous", .int(p.stats.upstreamAmbiguous)), ("timeouts", .int(p.stats.timeouts))]
            },
            tracing: otlp,
            announce: { bound in
                let others = zip(listeners, bound).dropFirst().map { l, p in ", \(l.roles.name) on http://\(l.host):\(p)" }.joined()
                let callbacksVia = explicitPublic ? config.publicURL.description : "http://\(reachable(listeners[callbackIndex].host)):\(bound[callbackIndex])"
                return "rcom proxy listening on http://\(listeners[0].host):\(bound[0])\(others.isEmpty ? "" : " (\(listeners[0].roles.name))\(others)") → upstream \(config.upstream), callbacks via \(callbacksVia)"
            },
            make: { entropy, bound in
                var c = config
                if !args.isSet("instance") { c.instance = ProxyConfig.defaultInstance(host: listeners[0].host, port: bound[0]) }
                if !explicitPublic { c.publicURL = HTTPURL(scheme: "http", host: reachable(listeners[callbackIndex].host), port: bound[callbackIndex]) }
                return (ProxyPipeline(config: c, entropy: entropy, tracing: ServerTracing.pipelineTracing(otlp, entropy: entropy)), c.traceConfig)
            })
    }

    /// A wildcard listen address is reached on this machine through loopback.
    private static func reachable(_ host: String) -> String { host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host }

    /// The listeners and what each serves: clients first (listener 0), then callbacks and admin
    /// where they have an address of their own. One address named twice (a fixed port) is one
    /// listener with both roles; port 0 always opens a listener of its own.
    static func roleListeners(_ args: ParsedArguments) throws(UsageError) -> [(host: String, port: Int, roles: ListenerRoles)] {
        var clients = (host: args.string("host") ?? "127.0.0.1", port: try args.int("port", range: 0...65535) ?? 8080)
        if let l = try ServerOptions.address(args, "listen") { clients = l }
        var listeners: [(host: String, port: Int, roles: ListenerRoles)] = [(clients.host, clients.port, .clients)]
        for (flag, role) in [("callback-listen", ListenerRoles.callbacks), ("admin-listen", .admin)] {
            guard let a = try ServerOptions.address(args, flag) else {
                listeners[0].roles.insert(role)
                continue
            }
            if a.port != 0, let same = listeners.firstIndex(where: { $0.host == a.host && $0.port == a.port }) {
                listeners[same].roles.insert(role)
            } else {
                listeners.append((a.host, a.port, role))
            }
        }
        return listeners
    }
}
