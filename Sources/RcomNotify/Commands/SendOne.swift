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
        if let why = setup.missingSettings(for: [channelName]) {
            setup.error(why)
            return ExitCode.usage
        }
        // Validation and the id need no endpoints: a registry on the configured settings, with
        // the simulator's placeholder address, is enough (targets are resolved to URLs only
        // when the request is built).
        let configured = ChannelSettings(values: setup.values)
        var store: (any NotificationStore)?
        if !setup.dryRun, ChannelRegistry(settings: configured).channel(channelName) != nil {
            switch SendSetup.openStore(args) {
            case .failure(let why):
                setup.error(why.message)
                return ExitCode.failure
            case .success(let s): store = s
            }
        }
        let service = NotificationService(registry: ChannelRegistry(settings: configured), store: store,
                                          entropy: setup.idEntropy(store: store), publicURL: setup.publicURL, wall_ms: { MonotonicClock.wall_ms() })
        let notification: Notification
        let simulated: Bool
        switch service.prepare(channel: channelName, target: args.string("target")!, message: args.string("message")!) {
        case .rejected(let why):
            setup.error(why)
            return ExitCode.usage
        case .storeFailed(let why):
            setup.error(why)
            return ExitCode.failure
        case .suppressed(let n):
            // Say why: the stored reason (a provider's text: printed escaped) and since when.
            let why = (try? store?.suppression(emailKey: EmailAddress.suppressionKey(n.target))).flatMap { $0 }
                .map { " (\($0.reason), since \(UTCTimestamp.format(ms: $0.suppressedAt_s * 1000).prefix(10)))" } ?? ""
            SendOutput.print(n, outcome: "suppressed", answer: "on the suppression list\(why); not sent", attempts: 0, json: json, secrets: setup.secrets)
            return SendCommand.exitSuppressed
        case .ready(let n, let channel):
            let request = channel.request(for: n)
            simulated = setup.isSimulated(request, channel: channelName)
            for w in channel.warnings(for: n) { setup.say("warning: \(w)\n") }
            if !n.trackingURL.isEmpty { setup.say("tracking link added: \(n.trackingURL)\n") }
            if setup.dryRun {
                setup.say("dry run: would send\n\(RequestRendering.render(request, simulated: simulated))\n")
                SendOutput.print(n, outcome: "dry-run", answer: "not sent", attempts: 0, json: json, secrets: setup.secrets)
                return ExitCode.success
            }
            notification = n
        }
        let simulator: BackgroundReactor<ProvidersPipeline>?, settings: ChannelSettings
        switch simulated ? setup.endpoints(for: [channelName]) : .success((nil, configured)) {
        case .failure(let why):
            setup.error(why.message)
            return ExitCode.failure
        case .success(let e): (simulator, settings) = e
        }
        let channel = ChannelRegistry(settings: settings).channel(channelName)!
        let request = channel.request(for: notification)
        if verbose { setup.say("request:\n\(RequestRendering.render(request))\n") }
        let sink = setup.storeSink(store) { report in
            guard verbose, case .attempt(let a) = report else { return }
            setup.say("attempt \(a.attempt): \(a.result.kind) \(a.result.detail) (\(a.duration_ns / 1_000_000) ms)\n")
        }
        let ran = setup.deliver(feed: SingleFeed(notification, channel: channel), sink: sink, signals: true)
        let sim = simulator?.stop()
        // Where it went is read off the request itself, not off which variables are set.
        let destination = setup.destination(request, simulator: simulator == nil ? nil : settings)
        if destination == RequestRendering.simulatorLabel, let sim {
            setup.say("(no \(ChannelRegistry.standard.first { $0.name == channelName }!.endpointKey) set: sent to the in-process provider simulator)\n")
            for c in sim.captured { setup.say(RequestRendering.render(c) + "\n") }
        } else {
            setup.say("(\(ran.lastOutcome?.delivered == true ? "sent to" : "not delivered to") \(destination))\n")
        }
        if ran.interrupted { return 130 }
        guard let outcome = ran.lastOutcome else {
            setup.error("delivery ended without an outcome")
            return ExitCode.failure
        }
        SendOutput.print(notification, outcome: SendOutput.word(outcome), answer: SendOutput.answer(outcome),
                         attempts: outcome.attempts, json: json, secrets: setup.secrets)
        if outcome.nextAttempt_ms != nil { return SendCommand.exitPending }
        return outcome.delivered ? ExitCode.success : ExitCode.failure
    }
}

enum SendOutput {
    static func word(_ o: DeliveryOutcome) -> String { o.delivered ? "delivered" : o.nextAttempt_ms != nil ? "pending" : "failed" }

    /// The provider's answer; for a pending one, also when it is due again, and for an
    /// undeliverable address, that it is now suppressed.
    static func answer(_ o: DeliveryOutcome) -> String {
        if let next = o.nextAttempt_ms {
            return "\(o.result.detail); next try from \(UTCTimestamp.format(ms: next)) (rcom send --retry-pending)"
        }
        if case .undeliverable(let why) = o.result { return "\(why); the address is now on the suppression list" }
        return o.result.detail
    }

    static func print(_ n: Notification, outcome: String, answer: String, attempts: Int, json: Bool, secrets: SecretText) {
        let answer = secrets.scrub(answer)
        if json {
            Swift.print(JSONText.object([
                ("id", JSONText.quote(n.id)), ("channel", JSONText.quote(n.channel)), ("target", JSONText.quote(n.target)),
                ("outcome", JSONText.quote(outcome)), ("answer", JSONText.quote(answer)), ("attempts", String(attempts)),
                ("tracking_url", n.trackingURL.isEmpty ? "null" : JSONText.quote(n.trackingURL)),
            ]))
        } else {
            // The answer is the provider's text: escaped, as anything from outside is (TerminalText).
            Swift.print("\(n.id) \(n.channel) \(TerminalText.escaped(n.target)) \(outcome) \(TerminalText.escaped(answer))")
        }
    }
}
