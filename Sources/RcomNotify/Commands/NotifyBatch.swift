import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom notify --batch FILE`: every row routed and recorded, the first steps delivered in one
/// run of the send pipeline, then one more run per fallback round, then the events finished in
/// groups; a progress bar on a terminal and a summary with events/s and deliveries/s.
enum NotifyBatch {
    /// Events finished per transaction at the end.
    static let finishGroup = 1_000

    static func run(_ args: ParsedArguments, path: String) -> Int32 {
        guard let (setup, now) = NotifyCommand.prepare(args, elsewhere: "--batch takes clients, events, messages and keys from the file (client,event,message[,urgent,key])") else {
            return ExitCode.usage
        }
        return setup.traced("rcom notify --batch") { run(args, path: path, setup: $0, now: now) }
    }

    private static func run(_ args: ParsedArguments, path: String, setup: SendSetup, now: Int64) -> Int32 {
        guard !setup.dryRun else {
            Terminal.error("--batch has no --dry-run yet; try one row with rcom notify CLIENT EVENT -m MESSAGE --dry-run")
            return ExitCode.usage
        }
        if let why = InputFile.unreadable(path) {
            Terminal.error("cannot read the --batch file \(path): \(why)")
            return ExitCode.usage
        }
        let total = CSVRecords.countRows(path)
        guard total <= NotifyBatchFeed.eventsMax, let reader = LineReader(path: path) else {
            Terminal.error("the --batch file \(path) has more than \(NotifyBatchFeed.eventsMax) rows (or cannot be read); split it")
            return ExitCode.usage
        }
        let channels = ChannelRegistry.standard.map(\.name)
        if let why = setup.missingSettings(for: channels) {
            setup.error(why)
            return ExitCode.usage
        }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        guard let (simulator, service) = NotifyCommand.service(setup, store, channels: channels) else { return ExitCode.failure }
        let progress = BatchProgress(total: total, draw: Terminal.stderrIsTerminal ? { Terminal.redraw($0) } : nil)
        let feed = NotifyBatchFeed(records: CSVRecords(reader), store: store, service: service, parser: ClientsSetup.parser(),
                                   now_ms: now, onRow: { progress.step() })
        if let path = args.string("record") {
            do { feed.trace = try RoutingTraceWriter(path: path) } catch {
                Terminal.error(error.message)
                return ExitCode.usage
            }
        }
        let started = MonotonicClock.now_ns()
        let ran = deliver(feed, setup: setup, store: store, signals: true)
        progress.finish()
        let (delivered, failed, rounds, statuses) = (ran.delivered, ran.failed, ran.rounds, ran.statuses)
        let (sinkErrors, storeErrors) = (ran.sinkErrors, ran.storeErrors)
        let elapsed_s = Double(MonotonicClock.now_ns() - started) / 1e9
        let sim = simulator?.stop()
        for p in feed.problems { setup.error(p) }
        let c = feed.counts
        let events = feed.events.count + c.held + c.muted + c.unrouted
        let eventRate = elapsed_s > 0 ? Double(events) / elapsed_s : 0
        let deliveryRate = elapsed_s > 0 ? Double(delivered + failed) / elapsed_s : 0
        if args.flag("json") {
            print(JSONText.object([
                ("rows", String(c.rows)), ("events", String(events)), ("delivered", String(statuses["delivered", default: 0])),
                ("failed", String(statuses["failed", default: 0])), ("suppressed", String(statuses["suppressed", default: 0])),
                ("escalating", String(statuses["escalating", default: 0])), ("held", String(c.held)), ("muted", String(c.muted)),
                ("unrouted", String(c.unrouted)), ("already_notified", String(c.duplicate)), ("unknown_client", String(c.unknownClient)),
                ("invalid", String(c.invalid)), ("store_errors", String(c.storeFailures + sinkErrors + storeErrors)),
                ("notifications_delivered", String(delivered)), ("notifications_failed", String(failed)), ("rounds", String(rounds)),
                ("elapsed_s", String(format: "%.3f", elapsed_s)), ("events_per_s", String(format: "%.1f", eventRate)),
                ("deliveries_per_s", String(format: "%.1f", deliveryRate)),
                ("routing_us_per_event", String(format: "%.2f", feed.routed > 0 ? Double(feed.routing_ns) / 1000 / Double(feed.routed) : 0)), ("simulated", sim == nil ? "false" : "true"),
            ]))
        } else {
            print("batch \(path): \(c.rows) rows, \(events) events: \(statuses["delivered", default: 0]) delivered, "
                  + "\(statuses["failed", default: 0]) failed, \(statuses["suppressed", default: 0]) suppressed, "
                  + "\(statuses["escalating", default: 0]) escalating, \(c.held) held, \(c.muted) muted, \(c.unrouted) unrouted; "
                  + "\(c.duplicate) already notified, \(c.unknownClient) unknown client, \(c.invalid) invalid; "
                  + "\(delivered + failed) notifications in \(String(format: "%.2f", elapsed_s)) s "
                  + "(\(String(format: "%.0f", eventRate)) events/s, \(String(format: "%.0f", deliveryRate)) deliveries/s)")
            if let sim { setup.say(SendBatch.simulatorNote(sim)) }
        }
        if ran.interrupted { return 130 }
        if statuses["failed", default: 0] > 0 || c.storeFailures + sinkErrors + storeErrors > 0 { return ExitCode.failure }
        if c.invalid + c.unknownClient > 0 { return ExitCode.usage }
        return c.unrouted > 0 ? NotifyCommand.exitUnrouted : ExitCode.success
    }

    /// What `deliver` came to.
    struct Delivered {
        var delivered = 0, failed = 0, rounds = 0, sinkErrors = 0, storeErrors = 0
        var statuses: [String: Int] = [:]
        var interrupted = false
    }

    /// The feed's events delivered: their first steps in one run of the send pipeline, one more
    /// run per fallback round, then every event finished (its status, its notifications, an
    /// escalation's next step) in transactions of `finishGroup`. `rcom notify --batch` and
    /// `rcom serve`'s due runner (`signals: false`: the service's reactor keeps SIGTERM) both
    /// deliver through this; `finished` hears of each notification's outcome as the sink does.
    static func deliver(_ feed: NotifyBatchFeed, setup: SendSetup, store: ClientsSetup.Store, signals: Bool,
                        finished: @escaping (DeliveryOutcome) -> Void = { _ in }) -> Delivered {
        var d = Delivered()
        // A sink per round: each round is a new reactor, whose clock starts again.
        func round(_ f: NotificationFeed) -> SendPipeline {
            let sink = setup.storeSink(store) { report in
                if case .finished(let o) = report {
                    feed.finished(o)
                    finished(o)
                }
            }
            defer { d.sinkErrors += sink.storeErrors }
            return setup.deliver(feed: f, sink: sink, signals: signals)
        }
        var ran = round(feed)
        (d.delivered, d.failed, d.rounds) = (ran.delivered, ran.failed + ran.pending, 1)
        while !ran.interrupted, feed.nextRound() > 0 {
            ran = round(feed.drainQueue())
            d.delivered += ran.delivered
            d.failed += ran.failed + ran.pending
            d.rounds += 1
        }
        d.interrupted = ran.interrupted
        var finishes: [EventFinish] = []
        for (id, e) in feed.events {
            var status = e.outcomes.contains("delivered") ? "delivered"
                : !e.outcomes.isEmpty && e.outcomes.allSatisfy({ $0 == "suppressed" }) ? "suppressed" : "failed"
            var next: (step: Int, due_ms: Int64)?
            var reason: String? = status == "failed" ? "nothing delivered" : nil
            if e.plan.mode == .escalate, e.plan.steps.count > 1 {
                next = (1, e.created_ms + e.plan.steps[1].delay_ms)
                status = "escalating"
                reason = "\(e.plan.steps[1].channel) at \(UTCTimestamp.format(ms: next!.due_ms)) unless acknowledged"
            }
            d.statuses[status, default: 0] += 1
            finishes.append(EventFinish(id: id, status: status, reason: reason, deliveries: e.deliveries, next: next))
            if finishes.count == finishGroup {
                do { try store.finishEvents(finishes) } catch { d.storeErrors += 1; Terminal.error(error.description) }
                finishes.removeAll(keepingCapacity: true)
            }
        }
        do { try store.finishEvents(finishes) } catch { d.storeErrors += 1; Terminal.error(error.description) }
        return d
    }
}
