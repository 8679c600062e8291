import RcomCore

/// One event as `POST /v1/events` takes it, validated.
public struct EventPost: Sendable, Equatable {
    public let client: String
    public let event: String
    public let message: String
    public let urgent: Bool
    /// The `Idempotency-Key` header, scoped by the worker to the calling key.
    public let idempotencyKey: String?
}

/// What the store worker does for one request (`ServeRoutes.work` makes it, sans-IO).
public enum ServeWork: Sendable, Equatable {
    case postEvent(EventPost)
    case getEvent(id: String)
    /// The definition, already validated and in its canonical JSON.
    case putClient(id: String, json: String)
    case getClient(id: String)
    case deleteClient(id: String)
    case listClients(after: String?, limit: Int)
    case stats
    /// `/readyz`: store reachable, schema current. Needs no key.
    case ready
    /// The request is refused (validation): answered so only once the key checks out, so a
    /// caller without a key learns nothing but 401.
    case refuse(status: Int, body: String)

    /// The scope a key needs for it; nil: no key needed.
    public var scope: APIScope? {
        switch self {
        case .postEvent: return .eventsWrite
        case .putClient, .deleteClient: return .clientsWrite
        case .getEvent, .getClient, .listClients, .stats, .refuse: return .read
        case .ready: return nil
        }
    }
}

/// A request handed to the store worker: its ticket (the pipeline's handle for the waiting
/// request) and the hash of the key it presented.
public struct ServeJob: Sendable {
    public let ticket: UInt64
    public let keyHash: String?
    public let work: ServeWork
}

/// The worker's answers as they travel back in a wakeup's payload (so a trace holds them and a
/// replay needs no store): a header with the batch's commit time and accepted events, then per
/// answer its ticket, status and JSON body.
public struct ServeAnswers: Sendable, Equatable {
    public struct Answer: Sendable, Equatable {
        public let ticket: UInt64
        public let status: Int
        public let body: [UInt8]
    }

    public var commit_ns: UInt64 = 0
    public var accepted = 0
    public var answers: [Answer] = []

    public init() {}

    public var payload: [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(12 + answers.reduce(0) { $0 + 14 + $1.body.count })
        put(&b, commit_ns, 8)
        put(&b, UInt64(accepted), 4)
        for a in answers {
            put(&b, a.ticket, 8)
            put(&b, UInt64(a.status), 2)
            put(&b, UInt64(a.body.count), 4)
            b += a.body
        }
        return b
    }

    /// nil for a payload that is not one (a tampered trace): the pipeline ignores it.
    public init?(payload b: [UInt8]) {
        var i = 0
        func take(_ n: Int) -> UInt64? {
            guard i + n <= b.count else { return nil }
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(b[i + k]) << UInt64(8 * k) }
            i += n
            return v
        }
        guard let c = take(8), let a = take(4) else { return nil }
        commit_ns = c
        accepted = Int(a)
        while i < b.count {
            guard let t = take(8), let s = take(2), let n = take(4), i + Int(n) <= b.count else { return nil }
            answers.append(Answer(ticket: t, status: Int(s), body: Array(b[i..<i + Int(n)])))
            i += Int(n)
        }
    }

    private func put(_ b: inout [UInt8], _ v: UInt64, _ n: Int) {
        for k in 0..<n { b.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * k))) }
    }
}

/// Where the pipeline hands its store work; must not block (the reactor thread calls it).
/// False: the queue is at its bound (the request gets 503 at once).
public protocol ServeQueue: AnyObject {
    func submit(_ job: ServeJob) -> Bool
}
