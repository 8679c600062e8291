import Foundation
import RcomCore

/// `rcom serve`'s reactor side, sans-IO: HTTP through the project's server table, the key's
/// token bucket, the request turned into store work (`ServeRoutes`) and handed to the store
/// worker (`ServeQueue`); its answers come back in wakeups (`ServeWorker.wakeTag`) and are
/// written in request order. No store call, clock or RNG here: a trace replays it exactly.
///
/// Drain (SIGTERM): requests already read are answered; anything new gets 503 with
/// `Connection: close`; the loop stops once nothing is outstanding, or at `drain_ns`.
public struct ServePipeline: EventPipeline {
    static let serverTimer = TimerID(raw: 1 << 61)
    static let drainTimer = TimerID(raw: (1 << 61) + 1)

    public let build: BuildLabel
    public let listenerRoles: [ListenerRoles]
    public let drain_ns: UInt64
    public private(set) var metrics = ServeMetrics()
    public private(set) var draining = false
    private let routes: ServeRoutes
    private let queue: ServeQueue?
    private var server: HTTPServerTable
    private var buckets: TokenBuckets
    private var waiting: [UInt64: RequestRef] = [:]
    private var nextTicket: UInt64 = 1

    /// `queue` nil: a replay (the recorded wakeups answer).
    public init(routes: ServeRoutes, queue: ServeQueue?, limits: HTTPServerLimits, buckets: TokenBuckets, drain_ns: UInt64,
                build: BuildLabel = .none, listenerRoles: [ListenerRoles] = [.serve]) {
        self.routes = routes
        self.queue = queue
        self.buckets = buckets
        self.drain_ns = drain_ns
        self.build = build
        self.listenerRoles = listenerRoles
        server = HTTPServerTable(limits, timerID: Self.serverTimer)
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, let listener): return server.accepted(id, listener: listener, now_ns: now_ns)
        case .received(let id, let bytes): return serve(id, bytes, now_ns: now_ns)
        case .readClosed(let id): return serve(id, nil, now_ns: now_ns)
        case .closed(let id, _): return server.closed(id)
        case .timer(Self.serverTimer): return server.timer(now_ns: now_ns)
        case .timer(Self.drainTimer): return [.stop(exitCode: 0)]
        case .wakeup(ServeWorker.wakeTag, let payload):
            guard let a = ServeAnswers(payload: payload) else { return [] }
            metrics.committed(a)
            var effects: [ReactorEffect] = []
            for answer in a.answers {
                guard let ref = waiting.removeValue(forKey: answer.ticket) else { continue }
                effects += respond(ref, Self.response(answer.status, answer.body), now_ns: now_ns)
            }
            return effects + drained()
        case .wakeup(DueRunner.wakeTag, let payload):
            metrics.delivered(payload)
            return []
        case .shutdown:
            guard !draining else { return [] }
            draining = true
            return server.stopReadingServed(now_ns: now_ns) + [.setTimer(Self.drainTimer, deadline_ns: now_ns + drain_ns)] + drained()
        default:
            return []
        }
    }

    private func drained() -> [ReactorEffect] {
        draining && waiting.isEmpty && server.outstanding == 0 ? [.stop(exitCode: 0)] : []
    }

    private mutating func serve(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        let (requests, reading) = server.received(id, bytes, now_ns: now_ns)
        var effects = reading
        let roles = ListenerRoles.of(listener: server.listener(of: id), in: listenerRoles)
        for (ref, request) in requests {
            if draining {
                effects += respond(ref, .error(503, "draining: this instance is stopping; retry on another", keepAlive: false), now_ns: now_ns)
                continue
            }
            effects += route(ref, request, roles: roles, now_ns: now_ns)
        }
        return effects
    }

    private mutating func route(_ ref: RequestRef, _ r: HTTPRequest, roles: ListenerRoles, now_ns: Instant_ns) -> [ReactorEffect] {
        let path = String(r.path)
        switch (r.method, path) {
        case ("GET", "/healthz") where roles.contains(.admin): return respond(ref, .json(200, Array(build.healthJSON.utf8)), now_ns: now_ns)
        case ("GET", "/metrics") where roles.contains(.admin):
            // Counted before it is rendered: the page includes its own answer, and agrees with the registry after it.
            metrics.answered(200)
            return server.respond(ref, .metrics(metrics.page(server, waiting: waiting.count, buckets: buckets.count, build: build)), now_ns: now_ns)
        case ("GET", "/readyz") where roles.contains(.admin): return submit(ref, keyHash: nil, .ready, now_ns: now_ns)
        default: break
        }
        guard path.hasPrefix("/v1/"), roles.contains(.api) else { return respond(ref, ServeRoutes.error(404, "not found"), now_ns: now_ns) }
        // 401 with no hint: a missing, malformed, unknown or revoked key all read the same.
        guard let key = Self.bearer(r.headers["authorization"]) else { return respond(ref, Self.response(401, Array(ServeStoreService.unauthorized.utf8)), now_ns: now_ns) }
        let hash = APIKeys.hash(key)
        if let wait = buckets.take(hash, now_ns: now_ns) {
            metrics.limited()
            var h = HTTPHeaders()
            h.add("Content-Type", "application/json")
            h.add("Retry-After", String(wait))
            return respond(ref, HTTPResponse(status: 429, headers: h, body: Array(ServeRoutes.message("rate limited; retry after \(wait) s").utf8)), now_ns: now_ns)
        }
        switch routes.route(r) {
        case .answer(let response): return respond(ref, response, now_ns: now_ns)
        case .work(let work): return submit(ref, keyHash: hash, work, now_ns: now_ns)
        }
    }

    private mutating func submit(_ ref: RequestRef, keyHash: String?, _ work: ServeWork, now_ns: Instant_ns) -> [ReactorEffect] {
        let ticket = nextTicket
        nextTicket += 1
        waiting[ticket] = ref
        // In a replay there is no queue: the recorded wakeup answers the ticket.
        guard let queue else { return [] }
        if queue.submit(ServeJob(ticket: ticket, keyHash: keyHash, work: work)) { return [] }
        waiting[ticket] = nil
        metrics.refusedFull()
        var h = HTTPHeaders()
        h.add("Content-Type", "application/json")
        h.add("Retry-After", "1")
        return respond(ref, HTTPResponse(status: 503, headers: h, body: Array(ServeRoutes.message("busy: the store is behind; retry").utf8)), now_ns: now_ns)
    }

    private mutating func respond(_ ref: RequestRef, _ response: HTTPResponse, now_ns: Instant_ns) -> [ReactorEffect] {
        metrics.answered(response.status)
        return server.respond(ref, response, now_ns: now_ns)
    }

    /// The key of `Authorization: Bearer KEY` when it has a key's shape.
    static func bearer(_ header: String?) -> Substring? {
        guard let header, header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let key = header.dropFirst(7).drop { $0 == " " }
        return APIKeys.wellFormed(key) ? key : nil
    }

    static func response(_ status: Int, _ body: [UInt8]) -> HTTPResponse {
        var h = HTTPHeaders()
        if status == 401 { h.add("WWW-Authenticate", "Bearer") }
        if status == 204 { return HTTPResponse(status: 204, headers: h) }
        h.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: h, body: body)
    }

    public var connectionCount: Int { server.count }

    /// `/metrics`' counters and gauges as they stand (the page is built from this).
    public var metricsRegistry: MetricsRegistry { metrics.registry(server, waiting: waiting.count, buckets: buckets.count) }
}
