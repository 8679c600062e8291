import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// The rows of `rcom notify --batch` (client,event,message[,urgent,key]): each row is routed
/// (`RoutingStage`), recorded as an event, and the notifications of its first step (every step
/// for mode all) are prepared and handed to the send pipeline one at a time. What later steps
/// need (fallback after a failed step) is kept in `events`, bounded by `eventsMax`.
final class NotifyBatchFeed: NotificationFeed {
    /// Per-event state kept for the whole batch (fallback rounds, the final status): a file with
    /// more rows than this is refused before anything is sent.
    static let eventsMax = 1_000_000
    /// Clients read from the store and kept; past this the cache is emptied and refilled.
    static let clientCacheMax = 100_000

    struct EventState {
        let client: ClientDefinition
        let plan: RoutePlan
        let message: String
        let created_ms: Int64
        /// The step now being delivered (mode all: the last).
        var step: Int
        var deliveries: [(step: Int, notificationID: String)] = []
        var outcomes: [String] = []
    }

    struct Counts {
        var rows = 0, invalid = 0, unknownClient = 0, duplicate = 0, held = 0, muted = 0, unrouted = 0, storeFailures = 0
    }

    /// nil: the events are added (`add`) rather than read from a file.
    private let records: CSVRecords?
    private let store: ClientsSetup.Store
    private let service: NotificationService
    private let parser: ClientFileParser
    private let now_ms: Int64
    /// Told of each row as it is read (the progress bar: the feed is pulled just ahead of delivery).
    private let onRow: () -> Void
    private var clients: [String: ClientDefinition?] = [:]
    private let ids: EntropySource = SystemEntropy()
    private var queue: [(Notification, any Channel)] = []
    var events: [String: EventState] = [:]
    var eventOf: [String: String] = [:]
    var counts = Counts()
    var problems: [String] = []
    /// Time spent in the routing stage itself (the plan, not the store look-ups), for the
    /// per-event resolution cost.
    var routing_ns: UInt64 = 0
    var routed = 0
    /// `--record`: every routing input and plan.
    var trace: RoutingTraceWriter?

    init(records: CSVRecords?, store: ClientsSetup.Store, service: NotificationService, parser: ClientFileParser, now_ms: Int64,
         onRow: @escaping () -> Void) {
        self.records = records
        self.store = store
        self.service = service
        self.parser = parser
        self.now_ms = now_ms
        self.onRow = onRow
    }

    /// Rows routed and recorded together: their events are inserted in one transaction
    /// (committed before any of them is delivered, so `--key` holds across processes).
    static let chunkRows = 256

    /// A routed row waiting for its event to be inserted.
    private struct Routed {
        let record: EventRecord
        let client: ClientDefinition
        let plan: RoutePlan
        let line: Int
    }

    func next() -> (Notification, any Channel)? {
        guard let records else { return queue.popLast() }
        while queue.isEmpty {
            var chunk: [Routed] = []
            var ended = false
            while chunk.count < Self.chunkRows {
                guard let record = records.next() else { ended = true; break }
                guard CSVRecords.isRow(record.text, line: record.line), !(record.line == 1 && record.text.lowercased().hasPrefix("client,")) else { continue }
                counts.rows += 1
                if let r = row(record) { chunk.append(r) }
            }
            record(chunk)
            if ended && queue.isEmpty { return nil }
        }
        return queue.popLast()
    }

    private func record(_ chunk: [Routed]) {
        guard !chunk.isEmpty else { return }
        let answers: [EventInsert]
        do { answers = try store.insertEvents(chunk.map(\.record)) } catch {
            counts.storeFailures += chunk.count
            return problem(chunk[0].line, "\(chunk.count) events not recorded: \(error.description)")
        }
        for (r, answer) in zip(chunk, answers) {
            if case .duplicate = answer {
                counts.duplicate += 1
                continue
            }
            switch r.plan.status {
            case .held: counts.held += 1
            case .muted: counts.muted += 1
            case .unrouted:
                counts.unrouted += 1
                problem(r.line, "unrouted: \(r.plan.reason ?? "")")
            case .deliver: add(eventID: r.record.id, client: r.client, plan: r.plan, message: r.record.message, created_ms: now_ms)
            }
        }
    }

    /// An event to deliver, recorded already: its first step (every step for mode all) is
    /// prepared and queued. Rows come here once inserted; `rcom serve` adds the events it claimed.
    func add(eventID: String, client: ClientDefinition, plan: RoutePlan, message: String, created_ms: Int64) {
        let first = plan.mode == .all ? Array(plan.steps.indices) : [0]
        events[eventID] = EventState(client: client, plan: plan, message: message, created_ms: created_ms, step: first.last ?? 0)
        enqueue(eventID, steps: first)
    }

    private func problem(_ line: Int, _ why: String) {
        if problems.count < BatchFeed.problemsShownMax { problems.append("line \(line): \(why)") }
    }

    /// Every stored definition, read in one query on first use when there are at most
    /// `clientCacheMax` (parsed only when a row names the client); else one query per client.
    private lazy var stored: [String: String]? = {
        guard let all = try? store.clientDefinitions(), all.count <= Self.clientCacheMax else { return nil }
        return Dictionary(all.map { ($0.id, $0.json) }, uniquingKeysWith: { a, _ in a })
    }()

    private func client(_ id: String) -> ClientDefinition?? {
        if let c = clients[id] { return .some(c) }
        if clients.count >= Self.clientCacheMax { clients.removeAll(keepingCapacity: true) }
        if let stored {
            guard let json = stored[id] else {
                clients[id] = .some(nil)
                return .some(nil)
            }
            guard let c = try? parser.parseClient(Array(json.utf8)).get() else { return nil }
            clients[id] = c
            return .some(c)
        }
        switch ClientsSetup.load(store, id: id) {
        case .failure: return nil
        case .success(let c):
            clients[id] = c
            return .some(c)
        }
    }

    private func row(_ record: CSVRecords.Record) -> Routed? {
        let line = record.line
        onRow()
        guard let f = record.fields, (3...5).contains(f.count) else {
            counts.invalid += 1
            problem(line, record.problem?.description ?? "expected client,event,message[,urgent,key]")
            return nil
        }
        let urgentText = f.count > 3 ? f[3].trimmingCharacters(in: .whitespaces).lowercased() : ""
        guard ["", "0", "1", "true", "false", "urgent"].contains(urgentText) else {
            counts.invalid += 1
            problem(line, "urgent must be true, false, 1, 0 or empty, got \(TerminalText.quoted(urgentText))")
            return nil
        }
        let urgent = ["1", "true", "urgent"].contains(urgentText)
        let key = f.count > 4 && !f[4].isEmpty ? f[4] : nil
        let id = f[0].trimmingCharacters(in: .whitespaces), event = f[1].trimmingCharacters(in: .whitespaces)
        guard let found = client(id) else {
            counts.storeFailures += 1
            problem(line, "client \(TerminalText.quoted(id)) could not be read")
            return nil
        }
        guard let c = found else {
            counts.unknownClient += 1
            // The nearest ids cost a scan of every client: only for the problems shown.
            if problems.count < BatchFeed.problemsShownMax { problem(line, ClientsSetup.unknown(id, store: store)) }
            return nil
        }
        guard events.count < Self.eventsMax else {
            counts.invalid += 1
            problem(line, "more than \(Self.eventsMax) events in one batch")
            return nil
        }
        let plan: RoutePlan
        do {
            let input = RoutingStage.Input(client: c, event: event, urgent: urgent, now_ms: now_ms,
                                           suppressed: try NotifyCommand.suppressionAnswers(c, store))
            let t0 = MonotonicClock.now_ns()
            plan = RoutingStage.plan(input)
            routing_ns += MonotonicClock.now_ns() - t0
            routed += 1
            trace?.write(input, plan)
            let eventID = "e" + ids.hexToken(bits: 64)
            let status = ["deliver": "routed", "held": "held", "muted": "muted", "unrouted": "unrouted"][plan.status.rawValue]!
            let record = EventRecord(id: eventID, clientID: c.id, eventType: event, message: f[2], urgent: urgent, key: key, status: status,
                                     reason: plan.reason, rule: plan.rule?.event.description, mode: plan.mode?.rawValue,
                                     experiment: plan.experiment, heldUntil_ms: plan.heldUntil_ms, createdAt_ms: now_ms)
            return Routed(record: record, client: c, plan: plan, line: line)
        } catch {
            counts.storeFailures += 1
            problem(line, error.description)
            return nil
        }
    }

    /// Prepares the notifications of `steps` of an event (suppressed ones end here) and queues
    /// the rest; returns how many were queued.
    @discardableResult
    func enqueue(_ eventID: String, steps: [Int]) -> Int {
        guard var e = events[eventID] else { return 0 }
        var queued = 0
        for i in steps {
            let step = e.plan.steps[i]
            let assignment: Assignment = i == 0 && e.plan.experiment != nil ? .random : .chosen
            for target in step.targets + step.suppressed {
                switch service.prepare(channel: step.channel, target: target, message: e.message, assignment: assignment) {
                case .ready(let n, let channel):
                    queue.append((n, channel))
                    eventOf[n.id] = eventID
                    e.deliveries.append((i, n.id))
                    queued += 1
                case .suppressed(let n):
                    e.deliveries.append((i, n.id))
                    e.outcomes.append("suppressed")
                case .rejected(let why), .storeFailed(let why):
                    e.outcomes.append("failed")
                    if problems.count < BatchFeed.problemsShownMax { problems.append("event \(eventID): \(why)") }
                }
            }
        }
        events[eventID] = e
        return queued
    }

    /// A finished delivery, from the sink.
    func finished(_ o: DeliveryOutcome) {
        guard let id = eventOf.removeValue(forKey: o.notification.id) else { return }
        events[id]?.outcomes.append(SendOutput.word(o))
    }

    /// Fallback: the events whose current step delivered nothing and that have a next step move
    /// to it; their notifications are queued for the next round. Returns how many were queued.
    func nextRound() -> Int {
        var queued = 0
        for (id, e) in events where e.plan.mode == .fallback && !e.outcomes.contains("delivered") && e.step + 1 < e.plan.steps.count {
            events[id]?.step += 1
            events[id]?.outcomes = []
            queued += enqueue(id, steps: [e.step + 1])
        }
        return queued
    }

    /// The queued notifications of a round after the first (`nextRound`), as a feed.
    func drainQueue() -> StepFeed {
        defer { queue.removeAll() }
        return StepFeed(queue)
    }
}
