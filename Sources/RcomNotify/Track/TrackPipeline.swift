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
    private let recorder: ClickRecorder
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

    public init(recorder: ClickRecorder, redirect: String?, build: BuildLabel = .none, limits: HTTPServerLimits = .standard,
                listenerRoles: [ListenerRoles] = [.track]) {
        self.recorder = recorder
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
            let admin = request.path == "/healthz" || request.path == "/metrics"
            // Outside the listener's roles: as if the endpoint did not exist there.
            let response = roles.contains(admin ? .admin : .links) ? answer(request) : .error(404, "not found")
            effects += server.respond(ref, response, now_ns: now_ns)
        }
        return effects
    }

    private mutating func answer(_ r: HTTPRequest) -> HTTPResponse {
        let parts = r.path.split(separator: "/")
        guard parts.count == 2, parts[0] == "e" || parts[0] == "a", Self.isNotificationID(parts[1]) else {
            switch (r.method, String(r.path)) {
            case ("GET", "/healthz"), ("HEAD", "/healthz"): return .json(200, Array(build.healthJSON.utf8))
            case ("GET", "/metrics"), ("HEAD", "/metrics"): return .metrics(metricsPage)
            case (_, "/healthz"), (_, "/metrics"): return .error(405, "GET only")
            default: return .error(404, "not a tracking link")
            }
        }
        guard r.method == "GET" || r.method == "HEAD" else { return .error(405, "GET only") }
        let fetcher = r.method == "HEAD" ? "HEAD" : Self.previewFetcher(r.headers["user-agent"] ?? "")
        if let fetcher {
            // One count per request (the metrics' outcomes are disjoint).
            if case .failure = recorder.preview(notificationID: String(parts[1]), fetcher: fetcher) { counts.storeErrors += 1 } else {
                counts.notCounted += 1
            }
            return landing()
        }
        switch recorder.click(notificationID: String(parts[1]), kind: parts[0] == "a" ? .ack : .click) {
        case .success(.first): counts.first += 1
        case .success(.repeated): counts.repeated += 1
        case .success(.unknownNotification):
            counts.unknown += 1
            return .error(404, "unknown notification")
        case .failure:
            // The person still gets where the link goes; the click is lost and counted.
            counts.storeErrors += 1
        }
        return landing()
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

