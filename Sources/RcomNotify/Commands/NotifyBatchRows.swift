import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// The rows of `rcom notify --batch` (client,event,message[,urgent,key]), read as a stream:
/// each row is routed (`RoutingStage`); rows are recorded as events `chunkRows` at a time and
/// the ones to deliver now are handed out one by one (`next`) to `EventDelivery`. Nothing is
/// kept per event here past its chunk: held, muted, unrouted and duplicate rows are counted.
/// `--dry-run` takes the routed rows (`nextChunk`) and records nothing.
final class NotifyBatchRows {
    /// Rows per file; a larger file is refused before anything is sent (the progress bar and
    /// the summary count in `Int`, this keeps one run's time within reason).
    static let rowsMax = 10_000_000
    /// Clients read from the store and kept; past this the cache is emptied and refilled.
    static let clientCacheMax = 100_000
    /// Rows routed and recorded together: their events are inserted in one transaction
    /// (committed before any of them is delivered, so `--key` holds across processes).
    static let chunkRows = 256

    struct Counts {
        var rows = 0, invalid = 0, unknownClient = 0, duplicate = 0, held = 0, muted = 0, unrouted = 0, storeFailures = 0
    }

    /// A routed row (its event not yet recorded).
    struct Routed {
        let record: EventRecord
        let client: ClientDefinition
        let plan: RoutePlan
        let line: Int
    }

    private let records: CSVRecords
    private let store: ClientsSetup.Store
    private let parser: ClientFileParser
    private let now_ms: Int64
    /// Told of each row as it is read (the progress bar: rows are read just ahead of delivery).
    private let onRow: () -> Void
    private var clients: [String: ClientDefinition?] = [:]
    private let ids: EntropySource = SystemEntropy()
    /// Recorded events of the current chunk not yet handed out (at most `chunkRows`).
    private var ready = FIFO<RoutedEvent>()
    var counts = Counts()
    var problems: [String] = []
    /// Time spent in the routing stage itself (the plan, not the store look-ups), for the
    /// per-event resolution cost.
    var routing_ns: UInt64 = 0
    var routed = 0
    /// `--record`: every routing input and plan.
    var trace: RoutingTraceWriter?

    init(records: CSVRecords, store: ClientsSetup.Store, parser: ClientFileParser, now_ms: Int64, onRow: @escaping () -> Void) {
        self.records = records
        self.store = store
        self.parser = parser
        self.now_ms = now_ms
        self.onRow = onRow
    }

    /// The next recorded event to deliver now; nil at the end of the file.
    func next() -> RoutedEvent? {
        while ready.isEmpty {
            guard let chunk = nextChunk() else { return nil }
            record(chunk)
        }
        return ready.popFirst()
    }

    /// Events recorded but not handed out when a run is cut short: finished as not sent.
    func abandon() -> [EventFinish] {
        ready.drain().map { EventFinish(id: $0.id, status: "failed", reason: "interrupted before it was sent", deliveries: [], next: nil) }
    }

    /// Up to `chunkRows` rows, routed; nil at the end of the file.
    func nextChunk() -> [Routed]? {
        var chunk: [Routed] = []
        while chunk.count < Self.chunkRows {
            guard let record = records.next() else { return chunk.isEmpty ? nil : chunk }
            guard CSVRecords.isRow(record.text, line: record.line), !(record.line == 1 && record.text.lowercased().hasPrefix("client,")) else { continue }
            counts.rows += 1
            if let r = row(record) { chunk.append(r) }
        }
        return chunk
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
            case .deliver:
                ready.append(RoutedEvent(id: r.record.id, plan: r.plan, message: r.record.message, from: 0, escalationBase_ms: now_ms))
            }
        }
    }

    func problem(_ line: Int, _ why: String) {
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
        do {
            let input = RoutingStage.Input(client: c, event: event, urgent: urgent, now_ms: now_ms,
                                           suppressed: try NotifyCommand.suppressionAnswers(c, store))
            let t0 = MonotonicClock.now_ns()
            let plan = RoutingStage.plan(input)
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
}
