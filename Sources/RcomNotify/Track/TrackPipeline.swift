import RcomCore

/// Records a click; either notification store does it (NotificationStore.swift), tests may fake it.
public protocol ClickRecorder: AnyObject {
    func click(notificationID: String, kind: ClickKind) -> Result<ClickResult, StoreErrorText>
    /// A preview (a known fetcher, or HEAD) of a tracking link: recorded apart, never engagement.
    func preview(notificationID: String, fetcher: String) -> Result<PreviewResult, StoreErrorText>
}

/// A store failure as text (keeps this protocol free of the SQLite module's error type).
public struct StoreErrorText: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// `rcom track`: serves tracking links. `GET /e/<id>` records a click (the first one counts as
/// engagement, repeats are counted apart) and redirects; `GET /a/<id>` records an
/// acknowledgement. `HEAD` and requests from known link-preview fetchers are answered but not
/// counted: opens and previews are not engagement.
///
/// The store is not called here: each tracking-link request is handed to `clicks` (the
/// `TrackStoreWorker` thread) with a ticket, and answered when the store's outcome comes back
/// in a wakeup (`TrackStoreWorker.wakeTag`). A trace therefore holds the store's answers, and
/// replay runs with no store (`clicks` nil: the work is dropped, the recorded wakeups answer).
public struct TrackPipeline: EventPipeline {
    public struct Counts: Sendable, Equatable {
        public var first = 0
        public var repeated = 0
        public var unknown = 0
        public var notCounted = 0
        public var storeErrors = 0
    }

    public let redirect: String?
    /// Reported by `/healthz` and `/metrics`.
    public let build: BuildLabel
    public private(set) var counts = Counts()
    public private(set) var requests = 0
    private let clicks: ClickQueue?
    /// Requests waiting for the store, by ticket. Bounded by `pendingMax`: past it a click is
    /// answered at once as a store error (the person still lands; the click is counted lost).
    private var pending: [UInt64: RequestRef] = [:]
    private var nextTicket: UInt64 = 0
    public static let pendingMax = 4_096
    /// Every connection's HTTP (order, keep-alive, HEAD, 501, timeouts) lives here.
    private var server: HTTPServerTable

    /// The server table's timer; the pipeline arms no other.
    static let serverTimer = TimerID(raw: 1 << 61)

    /// User-Agent substrings (lower case) of the fetchers that load a link to show a preview
    /// of it in a chat or feed, and of crawlers: none of them is a person clicking. The first
    /// match names the fetcher, so one whose agent names another ("TelegramBot (like
    /// TwitterBot)") comes before it.
    static let previewAgents = [
        "slackbot", "slack-imgproxy", "whatsapp", "bingpreview", "discordbot", "facebookexternalhit", "facebookcatalog",
        "telegrambot", "twitterbot", "linkedinbot", "googlebot", "googleimageproxy", "skypeuripreview", "applebot",
        "pinterestbot", "redditbot", "embedly", "iframely", "mastodon", "vkshare", "yandexbot", "duckduckbot",
        "linkpreview",
    ]

    /// Which preview fetcher `userAgent` is, if any (the first in `previewAgents` it contains).
    public static func previewFetcher(_ userAgent: String) -> String? {
        let agent = userAgent.lowercased()
        return previewAgents.first { agent.contains($0) }
    }

    /// What each listener serves (links, admin), by listener number.
    public let listenerRoles: [ListenerRoles]

    public init(clicks: ClickQueue?, redirect: String?, build: BuildLabel = .none, limits: HTTPServerLimits = .standard,
                listenerRoles: [ListenerRoles] = [.track]) {
        self.clicks = clicks
        self.redirect = redirect
        self.build = build
        self.listenerRoles = listenerRoles
        server = HTTPServerTable(limits, timerID: Self.serverTimer)
        server.serverName = "track"
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, let listener):
            return server.accepted(id, listener: listener, now_ns: now_ns)
        case .received(let id, let bytes):
            return serve(id, bytes, now_ns: now_ns)
        case .readClosed(let id):
            return serve(id, nil, now_ns: now_ns)
        case .closed(let id, _):
            return server.closed(id)
        case .timer(Self.serverTimer):
            return server.timer(now_ns: now_ns)
        case .wakeup(TrackStoreWorker.wakeTag, let payload):
            return answered(payload, now_ns: now_ns)
        case .shutdown:
            return [.stop(exitCode: 0)]
        default:
            return []
        }
    }

    private mutating func serve(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        let (requests, reading) = server.received(id, bytes, now_ns: now_ns)
        var effects = reading
        let roles = ListenerRoles.of(listener: server.listener(of: id), in: listenerRoles)
        for (ref, request) in requests {
            self.requests += 1
            let admin = request.path == "/healthz" || request.path == "/metrics" || request.path == "/stats"
            // Outside the listener's roles: as if the endpoint did not exist there.
            if !roles.contains(admin ? .admin : .links) {
                effects += server.respond(ref, .error(404, "not found"), now_ns: now_ns)
            } else if let response = answer(ref, request) {
                effects += server.respond(ref, response, now_ns: now_ns)
            }
        }
        return effects
    }

    /// The answer now, or nil when the request waits for the store.
    private mutating func answer(_ ref: RequestRef, _ r: HTTPRequest) -> HTTPResponse? {
        let parts = r.path.split(separator: "/")
        guard parts.count == 2, parts[0] == "e" || parts[0] == "a", Self.isNotificationID(parts[1]) else {
            switch (r.method, String(r.path)) {
            case ("GET", "/healthz"), ("HEAD", "/healthz"): return .json(200, Array(build.healthJSON.utf8))
            case ("GET", "/metrics"), ("HEAD", "/metrics"): return .metrics(metricsPage)
            case ("GET", "/stats"), ("HEAD", "/stats"): return .json(200, Array(metricsRegistry.json.utf8))
            case (_, "/healthz"), (_, "/metrics"), (_, "/stats"): return .error(405, "GET only")
            default: return .error(404, "not a tracking link")
            }
        }
        guard r.method == "GET" || r.method == "HEAD" else { return .error(405, "GET only") }
        let id = String(parts[1])
        let fetcher = r.method == "HEAD" ? "HEAD" : Self.previewFetcher(r.headers["user-agent"] ?? "")
        let work: ClickWork = fetcher.map { .preview(notificationID: id, fetcher: $0) } ?? .click(notificationID: id, kind: parts[0] == "a" ? .ack : .click)
        nextTicket += 1
        guard pending.count < Self.pendingMax, clicks?.submit(ticket: nextTicket, work) ?? true else {
            // The person still gets where the link goes; the click is lost and counted.
            counts.storeErrors += 1
            return landing()
        }
        pending[nextTicket] = ref
        return nil
    }

    /// The store's outcomes: one count per request (the metrics' outcomes are disjoint), and
    /// its answer.
    private mutating func answered(_ payload: [UInt8], now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        for (ticket, outcome) in ClickOutcome.answers(payload) ?? [] {
            guard let ref = pending.removeValue(forKey: ticket) else { continue }
            let response: HTTPResponse
            switch outcome {
            case .first: counts.first += 1; response = landing()
            case .repeated: counts.repeated += 1; response = landing()
            case .unknown: counts.unknown += 1; response = .error(404, "unknown notification")
            case .previewRecorded: counts.notCounted += 1; response = landing()
            // The person still gets where the link goes; the click is lost and counted.
            case .storeError: counts.storeErrors += 1; response = landing()
            }
            effects += server.respond(ref, response, now_ns: now_ns)
        }
        return effects
    }

    private func landing() -> HTTPResponse {
        var h = HTTPHeaders()
        h.add("Cache-Control", "no-store")
        if let redirect {
            h.add("Location", redirect)
            return HTTPResponse(status: 302, reason: "Found", headers: h)
        }
        h.add("Content-Type", "text/html; charset=utf-8")
        return HTTPResponse(status: 200, headers: h, body: Array("<!doctype html><p>Thanks, noted.</p>\n".utf8))
    }

    var serverCounters: HTTPServerTable.Counters { server.counters }
    var connectionCount: Int { server.count }

    /// `n` and 16 lower-case hex digits, as `NotificationService` makes them.
    static func isNotificationID(_ s: Substring) -> Bool {
        s.utf8.count == 17 && s.first == "n" && s.dropFirst().utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

