import Foundation
import RcomCLI
import RcomCore

/// The `/v1` API's requests, read strictly and turned into store work (sans-IO: bytes in, a
/// `ServeWork` out). Each refusal is JSON `{"error": ..., "errors": [{"path", "line", "message"}]}`.
public struct ServeRoutes {
    /// Bounds of an event (a larger body is 413 before anything is read).
    public static let eventBodyMax = 64 * 1024
    public static let messageBytesMax = 16 * 1024
    public static let eventTypeBytesMax = 200
    public static let keyBytesMax = 200
    /// `GET /v1/clients?limit=`: default and bound.
    public static let pageDefault = 100, pageMax = 1_000

    let parser: ClientFileParser

    public init(parser: ClientFileParser) { self.parser = parser }

    /// What a request comes to: work for the store, or an answer at once (404, 405).
    public enum Route {
        case work(ServeWork)
        case answer(HTTPResponse)
    }

    public func route(_ r: HTTPRequest) -> Route {
        let parts = r.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard parts.count >= 2, parts.count <= 3, parts[0] == "v1" else { return .answer(Self.error(404, "no such endpoint; the API is under /v1 (design/api.md)")) }
        let collection = parts[1], id = parts.count == 3 ? parts[2] : nil
        switch (r.method, collection, id) {
        case ("POST", "events", nil): return .work(event(r))
        case ("GET", "events", let id?): return .work(.getEvent(id: id))
        case ("GET", "clients", nil): return .work(page(r))
        case ("PUT", "clients", let id?): return .work(putClient(id, r.body))
        case ("GET", "clients", let id?): return .work(.getClient(id: id))
        case ("DELETE", "clients", let id?): return .work(.deleteClient(id: id))
        case ("GET", "stats", nil): return .work(.stats)
        default:
            let known = (collection == "events" || collection == "clients") || (collection == "stats" && id == nil)
            return .answer(known ? Self.error(405, "method \(r.method) not allowed here") : Self.error(404, "no such endpoint (design/api.md)"))
        }
    }

    private func event(_ r: HTTPRequest) -> ServeWork {
        guard r.body.count <= Self.eventBodyMax else { return refuse(413, "the body is \(r.body.count) bytes; an event is at most \(Self.eventBodyMax)") }
        if let key = r.headers["idempotency-key"], key.isEmpty || key.utf8.count > Self.keyBytesMax || !key.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) {
            return refuse(422, "Idempotency-Key must be 1 to \(Self.keyBytesMax) printable ASCII bytes")
        }
        let o: JSONObject
        switch JSONObject.parse(r.body) {
        case .failure(let e): return refuse(400, "not valid JSON: \(e)")
        case .success(let v): o = v
        }
        var errors: [ClientFileError] = []
        let known = ["client", "event", "message", "urgent"]
        for m in o.members where !known.contains(m.name) {
            errors.append(ClientFileError(path: "$.\(m.name)", line: 0, message: "unknown member (an event has client, event, message, urgent)"))
        }
        func text(_ name: String, max: Int) -> String? {
            guard let m = o.member(name) else { errors.append(.init(path: "$.\(name)", line: 0, message: "missing")); return nil }
            guard let s = o.string(m) else { errors.append(.init(path: "$.\(name)", line: 0, message: "expected a string")); return nil }
            guard !s.isEmpty, s.utf8.count <= max else { errors.append(.init(path: "$.\(name)", line: 0, message: "must be 1 to \(max) bytes")); return nil }
            return s
        }
        let client = text("client", max: 64), event = text("event", max: Self.eventTypeBytesMax), message = text("message", max: Self.messageBytesMax)
        var urgent = false
        if let m = o.member("urgent") {
            switch m.kind {
            case .bool(let b): urgent = b
            default: errors.append(.init(path: "$.urgent", line: 0, message: "expected true or false"))
            }
        }
        if let client, !ClientFileParser.isClientID(client) {
            errors.append(.init(path: "$.client", line: 0, message: "not a client id (1-64 of a-z 0-9 . _ -)"))
        }
        guard errors.isEmpty, let client, let event, let message else { return .refuse(status: 422, body: Self.errorsBody(errors)) }
        return .postEvent(EventPost(client: client, event: event, message: message, urgent: urgent, idempotencyKey: r.headers["idempotency-key"]))
    }

    private func putClient(_ id: String, _ body: [UInt8]) -> ServeWork {
        switch parser.parseClient(body) {
        case .failure(let e): return .refuse(status: 422, body: Self.errorsBody(e.errors))
        case .success(let c):
            guard c.id == id else {
                return .refuse(status: 422, body: Self.errorsBody([.init(path: "$.id", line: 0, message: "is \(JSONText.quote(c.id)), the URL says \(JSONText.quote(id))")]))
            }
            return .putClient(id: id, json: c.json)
        }
    }

    private func page(_ r: HTTPRequest) -> ServeWork {
        var after: String?, limit = Self.pageDefault
        let query = r.originTarget.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            switch (kv.first, kv.count == 2 ? kv[1] : nil) {
            case ("after", let v?) where ClientFileParser.isClientID(v): after = v
            case ("limit", let v?) where Int(v).map({ (1...Self.pageMax).contains($0) }) ?? false: limit = Int(v)!
            default: return refuse(422, "query: after=ID (a client id) and limit=1..\(Self.pageMax) only")
            }
        }
        return .listClients(after: after, limit: limit)
    }

    private func refuse(_ status: Int, _ message: String) -> ServeWork { .refuse(status: status, body: Self.message(message)) }

    static func message(_ m: String) -> String { JSONText.object([("error", JSONText.quote(m))]) }

    static func error(_ status: Int, _ m: String) -> HTTPResponse { .json(status, Array(message(m).utf8)) }

    static func errorsBody(_ errors: [ClientFileError]) -> String {
        JSONText.object([
            ("error", JSONText.quote(errors.map(\.description).joined(separator: "; "))),
            ("errors", "[" + errors.map { e in
                JSONText.object([("path", JSONText.quote(e.path)), ("line", String(e.line)), ("message", JSONText.quote(e.message))])
            }.joined(separator: ",") + "]"),
        ])
    }
}
