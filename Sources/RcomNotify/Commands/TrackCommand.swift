import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom track`: the server behind tracking links.
public enum TrackCommand: Command {
    public static let spec = CommandSpec(
        name: "track",
        summary: "Serve tracking links: record clicks and acknowledgements, then redirect",
        usage: "track [--port 8081] [--redirect URL] [--db PATH] [--record FILE] [--log-format text|json] [--log-level LEVEL] [--access-log]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Listen address", default: "127.0.0.1", env: "RCOM_TRACK_HOST"),
            OptionSpec("port", short: "p", value: "PORT", help: "Listen port", default: "8081", env: "RCOM_TRACK_PORT"),
            OptionSpec("redirect", value: "URL", help: "Where a click lands (default: a small thank-you page)", env: "RCOM_TRACK_REDIRECT"),
            OptionSpec("db", value: "PATH|URL", help: "Database shared with rcom send: an SQLite path or postgres://user[:password]@host[:port]/dbname (else RCOM_DATABASE_URL)", default: SendSetup.defaultDatabase, env: "RCOM_DB"),
            NotifyTrace.recordOption,
        ] + LogOptions.options,
        discussion: """
        GET /e/ID records a click, GET /a/ID an acknowledgement; the first per notification counts as
        engagement, repeats are counted apart. HEAD requests and link-preview fetchers (Slackbot,
        WhatsApp, Discordbot, Twitterbot, ...) are answered and recorded as previews, not engagement.
        GET /metrics (Prometheus), GET /stats (the same counters as JSON), GET /healthz (with
        version and commit).
        rcom send's --public-url (RCOM_PUBLIC_URL) must point here.
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        let port: Int
        let logger: Logger
        do throws(UsageError) {
            port = try args.int("port", range: 0...65535) ?? 8081
            logger = try LogOptions.logger(args)
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
        // No randomness: a trace holds the events, the store's answers among them (wakeups).
        let worker = TrackStoreWorker(recorder: store)
        defer { worker.finish() }
        return NotifyServer.run(TrackPipeline(clicks: worker, redirect: args.string("redirect"), build: build),
                                component: NotifyTrace.trackComponent, host: host, ports: [port], record: args.string("record"),
                                traceConfig: [("redirect", args.string("redirect") ?? "")] + build.traceConfig, draws: { [] },
                                logger: logger, opened: { worker.start(door: $0) }, announce: { "track: http://\(host):\($0[0])/e/ID" },
                                summary: { p in
                                    let c = p.counts
                                    return [("engaged", .int(c.first)), ("repeat_clicks", .int(c.repeated)), ("unknown", .int(c.unknown)),
                                            ("not_counted", .int(c.notCounted)), ("store_errors", .int(c.storeErrors))]
                                })
    }
}
