import Foundation
import RcomCLI
import RcomReactor

/// `rcom track`: the server behind tracking links.
public enum TrackCommand: Command {
    public static let spec = CommandSpec(
        name: "track",
        summary: "Serve tracking links: record clicks and acknowledgements, then redirect",
        usage: "track [--port 8081] [--redirect URL] [--db PATH] [--record FILE]",
        options: [
            OptionSpec("host", value: "ADDR", help: "Listen address", default: "127.0.0.1", env: "RCOM_TRACK_HOST"),
            OptionSpec("port", short: "p", value: "PORT", help: "Listen port", default: "8081", env: "RCOM_TRACK_PORT"),
            OptionSpec("redirect", value: "URL", help: "Where a click lands (default: a small thank-you page)", env: "RCOM_TRACK_REDIRECT"),
            OptionSpec("db", value: "PATH", help: "Database shared with rcom send", default: SendSetup.defaultDatabase, env: "RCOM_DB"),
            NotifyTrace.recordOption,
        ],
        discussion: """
        GET /e/ID records a click, GET /a/ID an acknowledgement; the first per notification counts as
        engagement, repeats are counted apart. HEAD requests and link-preview bots are not counted.
        rcom send's --public-url (RCOM_PUBLIC_URL) must point here.
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        let port: Int
        do throws(UsageError) { port = try args.int("port", range: 0...65535) ?? 8081 } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let store: SQLiteNotificationStore
        switch SendSetup.openStore(args.string("db")!) {
        case .failure(let e):
            Terminal.error(e.message)
            return ExitCode.failure
        case .success(let s): store = s
        }
        let reactor = Reactor(pipeline: TrackPipeline(recorder: store, redirect: args.string("redirect")))
        let bound: Int
        do { bound = try reactor.listen(host: args.string("host")!, port: port) } catch {
            Terminal.error("track: \(error.message)")
            return ExitCode.failure
        }
        // No randomness: a trace holds the events; the store's answers are not in it (see NotifyTrace.replay).
        let code = NotifyTrace.serve(reactor, component: NotifyTrace.trackComponent, record: args.string("record"),
                                     config: [("redirect", args.string("redirect") ?? "")], draws: { [] },
                                     announce: "track: http://\(args.string("host")!):\(bound)/e/ID")
        let c = reactor.pipeline.counts
        Terminal.stderr("track: \(c.first) engaged, \(c.repeated) repeat clicks, \(c.unknown) unknown, \(c.notCounted) not counted, \(c.storeErrors) store errors\n")
        return code
    }
}
