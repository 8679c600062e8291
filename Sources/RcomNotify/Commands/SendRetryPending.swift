import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom send --retry-pending [--all-pending]`: the notifications left pending by temporary
/// failures whose next try is due (all of them with `--all-pending`), through the same delivery
/// stage: one result line each on stdout, a summary on stderr. Meant for cron (every few
/// minutes); runs that overlap do not send twice (`claimPending`).
enum SendRetryPending {
    /// Claimed per run; the rest waits for the next run.
    static let claimMax = 10_000

    static func run(_ args: ParsedArguments, setup: SendSetup) -> Int32 {
        guard args.string("target") == nil, args.string("message") == nil, args.string("batch") == nil else {
            setup.error("--retry-pending takes its notifications from the store; drop -t, -m and --batch")
            return ExitCode.usage
        }
        let store: any NotificationStore
        switch SendSetup.openStore(args) {
        case .failure(let why):
            setup.error(why.message)
            return ExitCode.failure
        case .success(let s): store = s
        }
        let p = setup.policy
        // Longer than the round can take (every attempt timing out, every backoff at its cap).
        let lease_ms = Int64(p.attemptsMax) * (p.attemptTimeout_ms + p.backoffCap_ms) + 60_000
        let claimed: [PendingNotification]
        do {
            claimed = try store.claimPending(now_ms: MonotonicClock.wall_ms(), includeNotDue: args.flag("all-pending"),
                                             limit: min(claimMax, p.notificationsMax), lease_ms: lease_ms)
        } catch {
            setup.error(error.description)
            return ExitCode.failure
        }
        guard !claimed.isEmpty else {
            setup.say("retry-pending: nothing due\n")
            return ExitCode.success
        }
        var names: [String] = []
        for c in claimed where !names.contains(c.channel) { names.append(c.channel) }
        let simulator: BackgroundReactor<ProvidersPipeline>?, settings: ChannelSettings
        switch setup.endpoints(for: names) {
        case .failure(let why):
            setup.error(why.message)
            return ExitCode.failure
        case .success(let e): (simulator, settings) = e
        }
        let feed = PendingFeed(claimed, registry: ChannelRegistry(settings: settings), store: store, publicURL: setup.publicURL)
        let json = args.flag("json")
        let sink = setup.storeSink(store) { report in
            guard case .finished(let o) = report else { return }
            SendOutput.print(o.notification, outcome: SendOutput.word(o), answer: SendOutput.answer(o), attempts: o.attempts, json: json, secrets: setup.secrets)
        }
        let ran = setup.deliver(feed: feed, sink: sink, signals: true)
        _ = simulator?.stop()
        for problem in feed.problems { setup.error(problem) }
        setup.say("retry-pending: \(claimed.count) taken: \(ran.delivered) delivered, \(ran.pending) still pending, "
                        + "\(ran.failed) failed, \(feed.suppressed) suppressed since\n")
        if ran.interrupted { return 130 }
        if ran.failed > 0 || sink.storeErrors > 0 { return ExitCode.failure }
        return ran.pending > 0 ? SendCommand.exitPending : ExitCode.success
    }
}
