import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// `rcom send --batch FILE`: every line through the same delivery stage, with a progress bar
/// (on a terminal) and a summary.
enum SendBatch {
    static func run(_ args: ParsedArguments, setup: SendSetup, path: String) -> Int32 {
        let channelArg = args.string("channel")
        if let c = channelArg, c != "random", !ChannelRegistry.standard.contains(where: { $0.name == c }) {
            Terminal.error(ChannelRegistry(settings: ChannelSettings()).unknown(c) + ", random")
            return ExitCode.usage
        }
        if let why = InputFile.unreadable(path) {
            Terminal.error("cannot read the --batch file \(path): \(why)")
            return ExitCode.usage
        }
        guard let reader = LineReader(path: path) else {
            Terminal.error("cannot read the --batch file \(path)")
            return ExitCode.usage
        }
        if let why = setup.missingSettings(for: ChannelRegistry.standard.map(\.name)) {
            setup.error(why)
            return ExitCode.usage
        }
        let total = CSVRecords.countRows(path)
        var store: (any NotificationStore)?
        if !setup.dryRun {
            switch SendSetup.openStore(args) {
            case .failure(let why):
                Terminal.error(why.message)
                return ExitCode.failure
            case .success(let s): store = s
            }
        }
        let simulator: BackgroundReactor<ProvidersPipeline>?, settings: ChannelSettings
        switch setup.endpoints(for: setup.dryRun ? [] : ChannelRegistry.standard.map(\.name)) {
        case .failure(let why):
            Terminal.error(why.message)
            return ExitCode.failure
        case .success(let e): (simulator, settings) = e
        }
        let service = NotificationService(registry: ChannelRegistry(settings: settings), store: store, entropy: setup.idEntropy(store: store),
                                          publicURL: setup.publicURL, wall_ms: { MonotonicClock.wall_ms() })
        let progress = BatchProgress(total: total, draw: Terminal.stderrIsTerminal ? { Terminal.redraw($0) } : nil)
        // Each row is claimed under "batch:<file fingerprint>:<line>" before it is sent, so a rerun
        // of the same file, or a second process on it, never sends a row twice.
        var claim: ((Int) -> Result<Bool, StoreErrorText>)?
        if let store, let file = BatchFileIdentity(path: path) {
            claim = { line in
                do throws(StoreError) { return .success(try store.claim("batch:\(file.text):\(line)")) } catch {
                    return .failure(StoreErrorText(error.description))
                }
            }
        }
        let feed = BatchFeed(reader: reader, service: service, channel: channelArg, dice: setup.entropy(3),
                             onSkipped: { _ in progress.step() }, claim: claim)
        if setup.dryRun {
            while let (n, channel) = feed.next() {
                let request = channel.request(for: n)
                setup.say(RequestRendering.render(request, simulated: setup.isSimulated(request, channel: n.channel)) + "\n\n")
            }
            setup.say("dry run: \(feed.counts.prepared) would be sent, \(feed.counts.invalid) invalid\(trackingNote(setup))\n")
            for w in feed.warnings { setup.say("warning: \(w)\n") }
            for p in feed.problems { setup.error(p) }
            return feed.counts.invalid > 0 ? ExitCode.usage : ExitCode.success
        }
        let verbose = args.flag("verbose")
        let sink = setup.storeSink(store) { report in
            switch report {
            case .finished(let o):
                progress.step()
                if verbose { setup.say("\(o.notification.id) \(o.notification.channel) \(o.delivered ? "delivered" : "failed") \(o.result.detail)\n") }
            case .attempt: break
            }
        }
        let started = MonotonicClock.now_ns()
        let ran = setup.deliverBatch(feed: feed, sink: sink, store: store)
        let elapsed_s = Double(MonotonicClock.now_ns() - started) / 1e9
        progress.finish()
        let sim = simulator?.stop()
        for w in feed.warnings { setup.say("warning: \(w)\n") }
        if feed.counts.warned > feed.warnings.count { setup.say("warning: \(feed.counts.warned) SMS bodies over one part in all\n") }
        for p in feed.problems { setup.error(p) }
        let c = feed.counts
        let rate = elapsed_s > 0 ? Double(ran.delivered + ran.failed) / elapsed_s : 0
        if args.flag("json") {
            print(JSONText.object([
                ("lines", String(c.lines)), ("delivered", String(ran.delivered)), ("failed", String(ran.failed)),
                ("suppressed", String(c.suppressed)), ("invalid", String(c.invalid)), ("pending", String(ran.pending)), ("already_claimed", String(c.claimedElsewhere)), ("store_errors", String(c.storeFailures + sink.storeErrors)),
                ("elapsed_s", String(format: "%.3f", elapsed_s)), ("notifications_per_s", String(format: "%.1f", rate)),
                ("simulated", sim == nil ? "false" : "true"),
                ("simulator_requests", String(sim?.stats.requests.values.reduce(0, +) ?? 0)), ("tracking", setup.publicURL == nil ? "false" : "true"),
                ("sms_over_one_part", String(c.warned)),
            ]))
        } else {
            print("batch \(path): \(c.lines) lines: \(ran.delivered) delivered, \(ran.failed) failed, "
                  + (ran.pending > 0 ? "\(ran.pending) pending (rcom send --retry-pending), " : "") + "\(c.suppressed) suppressed, "
                  + "\(c.invalid) invalid in \(String(format: "%.2f", elapsed_s)) s (\(String(format: "%.0f", rate)) notifications/s)"
                  + trackingNote(setup)
                  + (c.claimedElsewhere == 0 ? "" : "; \(c.claimedElsewhere) rows not sent again: claimed by an earlier run or another process"))
            if let sim { setup.say(simulatorNote(sim)) }
        }
        if ran.interrupted { return 130 }
        if ran.failed > 0 || c.storeFailures > 0 { return ExitCode.failure }
        if c.invalid > 0 { return ExitCode.usage }
        return ran.pending > 0 ? SendCommand.exitPending : ExitCode.success
    }

    /// Which channels went to the simulator, and why: counted by the simulator itself (its
    /// captured requests are bounded), by channel, with the variable that was not set.
    static func simulatorNote(_ sim: ProvidersPipeline) -> String {
        let used = sim.stats.requests.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        guard !used.isEmpty else { return "" }
        let keys = Dictionary(uniqueKeysWithValues: ChannelRegistry.standard.map { ($0.name, $0.endpointKey) })
        let parts = used.map { "\($0.key) \($0.value)" + (keys[$0.key].map { " (no \($0))" } ?? "") }
        return "(sent to the in-process provider simulator: \(parts.joined(separator: ", ")))\n"
    }

    static func trackingNote(_ setup: SendSetup) -> String {
        setup.publicURL.map { "; tracking links added: \($0.trimmingSuffix("/"))/e/ID" } ?? ""
    }
}

/// Redraws the shared progress bar at most every 1 %, with the rate and the time left; on a
/// terminal only (`draw` nil otherwise). The total counts rows (`CSVRecords.isRow`), and every
/// row steps it once, delivered, failed, suppressed or invalid, so the bar ends at 100 %.
final class BatchProgress {
    private let bar: ProgressBar
    private let draw: ((String) -> Void)?
    private let now_ns: () -> Int64
    private let started: Int64
    private(set) var done = 0
    private var drawnAt = -1

    init(total: Int, draw: ((String) -> Void)?, now_ns: @escaping () -> Int64 = { Int64(MonotonicClock.now_ns()) }) {
        bar = ProgressBar(total: total, width: 40)
        self.draw = draw
        self.now_ns = now_ns
        started = now_ns()
    }

    func step() {
        done += 1
        guard let draw, bar.total > 0 else { return }
        let percent = min(done, bar.total) * 100 / bar.total
        guard percent != drawnAt else { return }
        drawnAt = percent
        let elapsed_s = Double(now_ns() - started) / 1e9
        draw(bar.render(done: done, elapsed_s: elapsed_s, extra: Self.rateAndETA(done: done, total: bar.total, elapsed_s: elapsed_s)))
    }

    /// "850/s, ETA 12s" (rows per second so far; the rest at that rate).
    static func rateAndETA(done: Int, total: Int, elapsed_s: Double) -> String {
        guard elapsed_s > 0, done > 0 else { return "ETA -" }
        let rate = Double(done) / elapsed_s
        let left = Double(max(total - done, 0)) / rate
        return String(format: "%.0f/s, ETA %.0fs", rate, left.rounded(.up))
    }

    func finish() { if draw != nil && drawnAt >= 0 { Terminal.stderr("\n") } }
}
