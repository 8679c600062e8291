import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom send -t -m -c`: validate, check suppression, deliver, print one line.
enum SendOne {
    static func run(_ args: ParsedArguments, setup: SendSetup) -> Int32 {
        var missing: [String] = []
        if args.string("target") == nil { missing.append("-t TARGET") }
        if args.string("message") == nil { missing.append("-m MESSAGE") }
        if args.string("channel") == nil { missing.append("-c CHANNEL") }
        guard missing.isEmpty else {
            Terminal.error("missing \(missing.joined(separator: ", ")) (see rcom send --help)")
            return ExitCode.usage
        }
        let channelName = args.string("channel")!
        let json = args.flag("json"), verbose = args.flag("verbose")
        // Validation and the id need no endpoints: a registry on default settings is enough.
        var store: SQLiteNotificationStore?
        if !setup.dryRun, ChannelRegistry(settings: ChannelSettings()).channel(channelName) != nil {
            switch SendSetup.openStore(args.string("db")!) {
            case .failure(let why):
                Terminal.error(why.message)
                return ExitCode.failure
            case .success(let s): store = s
            }
        }
        let service = NotificationService(registry: ChannelRegistry(settings: ChannelSettings(values: setup.values)), store: store,
                                          entropy: setup.idEntropy(store: store), publicURL: setup.publicURL, wall_ms: { MonotonicClock.wall_ms() })
        let notification: Notification
        switch service.prepare(channel: channelName, target: args.string("target")!, message: args.string("message")!) {
        case .rejected(let why):
            Terminal.error(why)
            return ExitCode.usage
        case .storeFailed(let why):
            Terminal.error(why)
            return ExitCode.failure
        case .suppressed(let n):
            SendOutput.print(n, outcome: "suppressed", answer: "on the suppression list; not sent", attempts: 0, json: json)
            return SendCommand.exitSuppressed
        case .ready(let n, let channel):
            if setup.dryRun {
                Terminal.stderr("dry run: would send\n\(RequestRendering.render(channel.request(for: n), simulated: setup.isSimulated(channel.request(for: n), channel: channelName)))\n")
                SendOutput.print(n, outcome: "dry-run", answer: "not sent", attempts: 0, json: json)
                return ExitCode.success
            }
            notification = n
        }
        let simulator: BackgroundReactor<ProvidersPipeline>?, settings: ChannelSettings
        switch setup.endpoints(for: [channelName]) {
        case .failure(let why):
            Terminal.error(why.message)
            return ExitCode.failure
        case .success(let e): (simulator, settings) = e
        }
        let channel = ChannelRegistry(settings: settings).channel(channelName)!
        if verbose { Terminal.stderr("request:\n\(RequestRendering.render(channel.request(for: notification)))\n") }
        let sink = StoreSink(store: store) { report in
            guard verbose, case .attempt(let a) = report else { return }
            Terminal.stderr("attempt \(a.attempt): \(a.result.kind) \(a.result.detail) (\(a.duration_ns / 1_000_000) ms)\n")
        }
        let ran = setup.deliver(feed: SingleFeed(notification, channel: channel), sink: sink, signals: true)
        if let simulator {
            let sim = simulator.stop()
            Terminal.stderr("(no \(ChannelRegistry.standard.first { $0.name == channelName }!.endpointKey) set: sent to the in-process provider simulator)\n")
            for c in sim.captured { Terminal.stderr(RequestRendering.render(c) + "\n") }
        }
        if ran.interrupted { return 130 }
        guard let outcome = ran.lastOutcome else {
            Terminal.error("delivery ended without an outcome")
            return ExitCode.failure
        }
        SendOutput.print(notification, outcome: outcome.delivered ? "delivered" : "failed", answer: outcome.result.detail,
                         attempts: outcome.attempts, json: json)
        return outcome.delivered ? ExitCode.success : ExitCode.failure
    }
}

enum SendOutput {
    static func print(_ n: Notification, outcome: String, answer: String, attempts: Int, json: Bool) {
        if json {
            Swift.print(JSONText.object([
                ("id", JSONText.quote(n.id)), ("channel", JSONText.quote(n.channel)), ("target", JSONText.quote(n.target)),
                ("outcome", JSONText.quote(outcome)), ("answer", JSONText.quote(answer)), ("attempts", String(attempts)),
                ("tracking_url", JSONText.quote(n.trackingURL)),
            ]))
        } else {
            // The answer is the provider's text: escaped, as anything from outside is (TerminalText).
            Swift.print("\(n.id) \(n.channel) \(TerminalText.escaped(n.target)) \(outcome) \(TerminalText.escaped(answer))")
        }
    }
}
