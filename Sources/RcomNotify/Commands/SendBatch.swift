import Foundation
import RcomCLI
import RcomCore
import RcomReactor

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
        let total = countLines(path)
        var store: SQLiteNotificationStore?
        if !setup.dryRun {
            switch SendSetup.openStore(args.string("db")!) {
            case .failure(let why):
                Terminal.error(why.message)
                return ExitCode.failure
            case .success(let s): store = s
            }
        }
        let simulator: BackgroundReactor<ProvidersPipeline>?, settings: ChannelSettings
        switch setup.endpoints(for: setup.dryRun ? [] : [EmailChannel.name, SMSChannel.name, SlackChannel.name]) {
        case .failure(let why):
            Terminal.error(why.message)
            return ExitCode.failure
        case .success(let e): (simulator, settings) = e
        }
        let service = NotificationService(registry: ChannelRegistry(settings: settings), store: store, entropy: setup.idEntropy(store: store),
                                          publicURL: setup.publicURL, wall_ms: { MonotonicClock.wall_ms() })
        let progress = BatchProgress(total: total, draw: Terminal.stderrIsTerminal)
        let feed = BatchFeed(reader: reader, service: service, channel: channelArg, dice: setup.entropy(3)) { _ in progress.step() }
        if setup.dryRun {
            while let (n, channel) = feed.next() {
                let request = channel.request(for: n)
                Terminal.stderr(RequestRendering.render(request, simulated: setup.isSimulated(request, channel: n.channel)) + "\n\n")
            }
            Terminal.stderr("dry run: \(feed.counts.prepared) would be sent, \(feed.counts.invalid) invalid\n")
            for p in feed.problems { Terminal.error(p) }
            return feed.counts.invalid > 0 ? ExitCode.usage : ExitCode.success
        }
        let verbose = args.flag("verbose")
        let sink = StoreSink(store: store) { report in
            switch report {
            case .finished(let o):
                progress.step()
                if verbose { Terminal.stderr("\(o.notification.id) \(o.notification.channel) \(o.delivered ? "delivered" : "failed") \(o.result.detail)\n") }
            case .attempt: break
            }
        }
        let started = MonotonicClock.now_ns()
        let ran = setup.deliver(feed: feed, sink: sink, signals: true)
        let elapsed_s = Double(MonotonicClock.now_ns() - started) / 1e9
        progress.finish()
        let sim = simulator?.stop()
        for p in feed.problems { Terminal.error(p) }
        let c = feed.counts
        let rate = elapsed_s > 0 ? Double(ran.delivered + ran.failed) / elapsed_s : 0
        if args.flag("json") {
            print(JSONText.object([
                ("lines", String(c.lines)), ("delivered", String(ran.delivered)), ("failed", String(ran.failed)),
                ("suppressed", String(c.suppressed)), ("invalid", String(c.invalid)), ("store_errors", String(c.storeFailures + sink.storeErrors)),
                ("elapsed_s", String(format: "%.3f", elapsed_s)), ("notifications_per_s", String(format: "%.1f", rate)),
                ("simulated", sim == nil ? "false" : "true"),
            ]))
        } else {
            print("batch \(path): \(c.lines) lines: \(ran.delivered) delivered, \(ran.failed) failed, \(c.suppressed) suppressed, "
                  + "\(c.invalid) invalid in \(String(format: "%.2f", elapsed_s)) s (\(String(format: "%.0f", rate)) notifications/s)"
                  + (sim == nil ? "" : " [in-process provider simulator]"))
        }
        if ran.interrupted { return 130 }
        if ran.failed > 0 || c.storeFailures > 0 { return ExitCode.failure }
        return c.invalid > 0 ? ExitCode.usage : ExitCode.success
    }

    /// Lines in the file, for the progress bar's total (a quick byte scan).
    static func countLines(_ path: String) -> Int {
        guard let h = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? h.close() }
        var n = 0
        while let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty { n += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } }
        return n
    }
}

/// Redraws the shared progress bar at most every 1 % (only on a terminal).
final class BatchProgress {
    private let bar: ProgressBar
    private let draw: Bool
    private var done = 0
    private var drawnAt = -1
    private let started = MonotonicClock.now_ns()

    init(total: Int, draw: Bool) {
        bar = ProgressBar(total: total, width: 40)
        self.draw = draw
    }

    func step() {
        done += 1
        guard draw, bar.total > 0 else { return }
        let percent = done * 100 / bar.total
        guard percent != drawnAt else { return }
        drawnAt = percent
        Terminal.redraw(bar.render(done: done, elapsed_s: Double(MonotonicClock.now_ns() - started) / 1e9))
    }

    func finish() { if draw && drawnAt >= 0 { Terminal.stderr("\n") } }
}
