import RcomCore

/// Records a click; the SQLite store implements it (`SQLiteNotificationStore`), tests may fake it.
public protocol ClickRecorder: AnyObject {
    func click(notificationID: String, kind: ClickKind) -> Result<ClickResult, StoreErrorText>
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
    public private(set) var counts = Counts()
    private let recorder: ClickRecorder
    private var connections: [ConnectionID: HTTPRequestDecoder] = [:]
    private let limits: HTTPLimits

    static let previewAgents = ["slackbot", "twitterbot", "facebookexternalhit", "googleimageproxy", "linkpreview"]

    public init(recorder: ClickRecorder, redirect: String?, limits: HTTPLimits = HTTPLimits(bodyBytesMax: 64 * 1024)) {
        self.recorder = recorder
        self.redirect = redirect
        self.limits = limits
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, _):
            connections[id] = HTTPRequestDecoder(limits: limits)
            return []
        case .received(let id, let bytes):
            guard connections[id] != nil else { return [] }
            connections[id]!.receive(bytes)
            return serve(id)
        case .readClosed(let id):
            guard connections[id] != nil else { return [] }
            connections[id]!.receiveEOF()
            return serve(id)
        case .closed(let id, _):
            connections[id] = nil
            return []
        case .shutdown:
            return [.stop(exitCode: 0)]
        default:
            return []
        }
    }

    private mutating func serve(_ id: ConnectionID) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        // Decoded in place: a local copy would copy the decoder's buffer for every request.
        while connections[id] != nil {
            switch HTTPServerReaction(connections[id]!.next(), connection: id) {
            case .request(let r):
                var response = answer(r)
                if !r.keepAlive { response.headers.set("Connection", "close") }
                effects.append(.write(id, HTTPSerializer.bytes(response)))
                if !r.keepAlive { return effects + [.close(id)] }
            case .proceed(let more):
                effects += more
            case .stop(let last):
                return effects + last
            }
        }
        return effects
    }

    private mutating func answer(_ r: HTTPRequest) -> HTTPResponse {
        let parts = r.path.split(separator: "/")
        guard parts.count == 2, parts[0] == "e" || parts[0] == "a", Self.isNotificationID(parts[1]) else {
            return r.path == "/healthz" ? .json(200, Array("{\"ok\":true}".utf8)) : .error(404, "not a tracking link")
        }
        guard r.method == "GET" || r.method == "HEAD" else { return .error(405, "GET only") }
        let agent = r.headers["user-agent"]?.lowercased() ?? ""
        if r.method == "HEAD" || Self.previewAgents.contains(where: { agent.contains($0) }) {
            counts.notCounted += 1
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

    /// `n` and 16 lower-case hex digits, as `NotificationService` makes them.
    static func isNotificationID(_ s: Substring) -> Bool {
        s.utf8.count == 17 && s.first == "n" && s.dropFirst().utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

extension SQLiteNotificationStore: ClickRecorder {
    public func click(notificationID: String, kind: ClickKind) -> Result<ClickResult, StoreErrorText> {
        do { return .success(try recordClick(notificationID: notificationID, kind: kind)) } catch {
            return .failure(StoreErrorText(error.description))
        }
    }
}
