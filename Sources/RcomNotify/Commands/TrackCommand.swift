import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomServer
import RcomReactor

/// `rcom track`: the server behind tracking links.
public enum TrackCommand: Command {
    public static let spec = CommandSpec(
        name: "track",
        summary: "Serve tracking links: record clicks and acknowledgements, then redirect",
        usage: "track [--host 127.0.0.1] [--port 8081] [--admin-listen HOST:PORT] [--redirect URL] [--db PATH] [--record FILE] [--log-format text|json] [--log-level LEVEL] [--access-log]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Listen address of the tracking links (0.0.0.0: every interface)", default: "127.0.0.1", env: "RCOM_TRACK_HOST"),
            OptionSpec("port", short: "p", value: "PORT", help: "Listen port of the tracking links", default: "8081", env: "RCOM_TRACK_PORT"),
            OptionSpec("admin-listen", value: "HOST:PORT", help: "Serve /metrics and /healthz here and only here (default: with the links)", env: "RCOM_TRACK_ADMIN_LISTEN"),
            OptionSpec("redirect", value: "URL", help: "Where a click lands (default: a small thank-you page)", env: "RCOM_TRACK_REDIRECT"),
            OptionSpec("db", value: "PATH|URL", help: "Database shared with rcom send: an SQLite path or postgres://user[:password]@host[:port]/dbname (else RCOM_DATABASE_URL)", default: SendSetup.defaultDatabase, env: "RCOM_DB"),
        ] + ServerOptions.limitOptions + [ServerRunner.recordOption, ServerRunner.pollerOption] + LogOptions.options,
        discussion: """
        GET /e/ID records a click, GET /a/ID an acknowledgement; the first per notification counts as
        engagement, repeats are counted apart. HEAD requests and link-preview fetchers (Slackbot,
        WhatsApp, Discordbot, Twitterbot, ...) are answered and recorded as previews, not engagement.
        GET /metrics (Prometheus), GET /healthz (with version and commit); with --admin-listen only there,
        so the links can be public while the counters stay private (anything else: 404).
        rcom send's --public-url (RCOM_PUBLIC_URL) must point here.
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        let port: Int
        let logger: Logger
        let limits: HTTPServerLimits
        let poller: PollerKind
        let admin: (host: String, port: Int)?
        do throws(UsageError) {
            port = try args.int("port", range: 0...65535) ?? 8081
            logger = try LogOptions.logger(args)
            limits = try ServerOptions.limits(args)
            poller = try ServerRunner.poller(args)
            admin = try ServerOptions.address(args, "admin-listen")
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let store: any NotificationStore & ClickRecorder
        switch SendSetup.openStore(args) {
        case .failure(let e):
            Terminal.error(e.message)
            return ExitCode.failure
        case .success(let s): store = s
        }
        let build = BuildLabel(version: RcomBuild.version, commit: RcomBuild.commit)
        let host = args.string("host")!
        var listeners = [ServerListener(host: host, port: port, serves: ListenerRoles.track.exposure)]
        var roles: [ListenerRoles] = [.track]
        if let admin {
            listeners = [ServerListener(host: host, port: port, serves: ListenerRoles.links.exposure),
                         ServerListener(host: admin.host, port: admin.port, serves: ListenerRoles.admin.exposure)]
            roles = [.links, .admin]
        }
        let redirect = args.string("redirect")
        // No randomness: a trace holds the events; the store's answers are not in it (see NotifyTrace.replay).
        return ServerRunner.run(
            component: NotifyTrace.trackComponent, listeners: listeners, recordPath: args.string("record"), poller: poller,
            serverLimits: limits, logger: logger,
            summary: { (p: TrackPipeline) in
                let c = p.counts
                return [("engaged", .int(c.first)), ("repeat_clicks", .int(c.repeated)), ("unknown", .int(c.unknown)),
                        ("not_counted", .int(c.notCounted)), ("store_errors", .int(c.storeErrors))]
            },
            announce: { bound in
                "track: http://\(host):\(bound[0])/e/ID" + (admin.map { " admin: http://\($0.host):\(bound[1])/metrics" } ?? "")
            },
            make: { _, _ in
                (TrackPipeline(recorder: store, redirect: redirect, build: build, limits: limits, listenerRoles: roles),
                 [("redirect", redirect ?? ""), ("listener_roles", ListenerRoles.traceValue(roles))] + limits.traceConfig + build.traceConfig)
            })
    }
}
