import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom notify --batch FILE`: the rows are read as a stream, routed and recorded in chunks
/// (`NotifyBatchRows`), and their events carried out in one run of the send pipeline
/// (`EventDelivery`, fallback steps included); each event's outcome is recorded as soon as it
/// is decided, `finishGroup` per transaction. A progress bar on a terminal and a summary with
/// events/s and deliveries/s. `--dry-run` prints each row's plan and records and sends nothing.
enum NotifyBatch {
    /// Events finished per transaction.
    static let finishGroup = 1_000

    /// Statuses of finished events, and the finishes not yet recorded (at most `finishGroup`).
    private final class Tally {
        let store: ClientsSetup.Store
        var statuses: [String: Int] = [:]
        var unrecorded: [EventFinish] = []
        var storeErrors = 0
        init(store: ClientsSetup.Store) { self.store = store }

        func add(_ f: EventFinish) {
            statuses[f.status, default: 0] += 1
            unrecorded.append(f)
            if unrecorded.count >= NotifyBatch.finishGroup { record() }
        }

        func record() {
            guard !unrecorded.isEmpty else { return }
            do { try store.finishEvents(unrecorded) } catch {
                storeErrors += 1
                if storeErrors == 1 { Terminal.error("could not record events' outcomes (later ones are counted): \(error.description)") }
            }
            unrecorded.removeAll(keepingCapacity: true)
        }
    }

    static func run(_ args: ParsedArguments, path: String) -> Int32 {
        guard let (setup, now) = NotifyCommand.prepare(args, elsewhere: "--batch takes clients, events, messages and keys from the file (client,event,message[,urgent,key])") else {
            return ExitCode.usage
        }
        return setup.traced("rcom notify --batch") { run(args, path: path, setup: $0, now: now) }
    }

    private static func run(_ args: ParsedArguments, path: String, setup: SendSetup, now: Int64) -> Int32 {
        if let why = InputFile.unreadable(path) {
            Terminal.error("cannot read the --batch file \(path): \(why)")
            return ExitCode.usage
        }
        let total = CSVRecords.countRows(path)
        guard total <= NotifyBatchRows.rowsMax, let reader = LineReader(path: path) else {
            Terminal.error("the --batch file \(path) has more than \(NotifyBatchRows.rowsMax) rows (or cannot be read); split it")
            return ExitCode.usage
        }
        let channels = ChannelRegistry.standard.map(\.name)
        if !setup.dryRun, let why = setup.missingSettings(for: channels) {
            setup.error(why)
            return ExitCode.usage
        }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        let progress = BatchProgress(total: total, draw: Terminal.stderrIsTerminal && !setup.dryRun ? { Terminal.redraw($0) } : nil)
        let rows = NotifyBatchRows(records: CSVRecords(reader), store: store, parser: ClientsSetup.parser(), now_ms: now,
                                   onRow: { progress.step() })
        if let path = args.string("record") {
            do { rows.trace = try RoutingTraceWriter(path: path) } catch {
                Terminal.error(error.message)
                return ExitCode.usage
            }
        }
        if setup.dryRun { return NotifyBatchDryRun.run(rows, json: args.flag("json")) }
        guard let (simulator, service) = NotifyCommand.service(setup, store, channels: channels) else { return ExitCode.failure }
        let tally = Tally(store: store)
        let delivery = EventDelivery(events: { rows.next() }, service: service, onFinish: { tally.add($0) })
        let sink = setup.storeSink(store) { delivery.report($0) }
        let started = MonotonicClock.now_ns()
        let ran = setup.deliverBatch(feed: delivery, sink: sink, store: store)
        let (delivered, failed) = (ran.delivered, ran.failed + ran.pending)
        // Cut short (Ctrl-C): what was started or recorded is finished with what it came to.
        for f in delivery.abandon() + rows.abandon() { tally.add(f) }
        tally.record()
        progress.finish()
        let statuses = tally.statuses
        let sinkErrors = sink.storeErrors, storeErrors = tally.storeErrors
        let elapsed_s = Double(MonotonicClock.now_ns() - started) / 1e9
        let sim = simulator?.stop()
        for p in rows.problems + delivery.problems { setup.error(p) }
        let c = rows.counts
        let events = statuses.values.reduce(0, +) + c.held + c.muted + c.unrouted
        let eventRate = elapsed_s > 0 ? Double(events) / elapsed_s : 0
        let deliveryRate = elapsed_s > 0 ? Double(delivered + failed) / elapsed_s : 0
        if args.flag("json") {
            print(JSONText.object([
                ("rows", String(c.rows)), ("events", String(events)), ("delivered", String(statuses["delivered", default: 0])),
                ("failed", String(statuses["failed", default: 0])), ("suppressed", String(statuses["suppressed", default: 0])),
                ("escalating", String(statuses["escalating", default: 0])), ("held", String(c.held)), ("muted", String(c.muted)),
                ("unrouted", String(c.unrouted)), ("already_notified", String(c.duplicate)), ("unknown_client", String(c.unknownClient)),
                ("invalid", String(c.invalid)), ("store_errors", String(c.storeFailures + sinkErrors + storeErrors)),
                ("notifications_delivered", String(delivered)), ("notifications_failed", String(failed)),
                ("events_in_flight_max", String(delivery.inFlightPeak)),
                ("elapsed_s", String(format: "%.3f", elapsed_s)), ("events_per_s", String(format: "%.1f", eventRate)),
                ("deliveries_per_s", String(format: "%.1f", deliveryRate)),
                ("routing_us_per_event", String(format: "%.2f", rows.routed > 0 ? Double(rows.routing_ns) / 1000 / Double(rows.routed) : 0)), ("simulated", sim == nil ? "false" : "true"),
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
}
