import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RcomCore
import RcomReactor

/// Carries the delivery stage's https requests with URLSession (FoundationNetworking: libcurl
/// and the system's TLS) on URLSession's worker threads, and re-enters the reactor through its
/// wakeup with the answer as a `CarriedAnswer`. The adapter's request goes as built; only the
/// framing headers URLSession owns (Host, Connection, Content-Length, ...) are left to it.
public final class URLSessionCarrier: RequestCarrier, @unchecked Sendable {
    private let session: URLSession
    /// Set once, before the reactor runs (the reactor is made after the pipeline that holds this).
    private var door: WakeupHandle?

    public init() {
        let c = URLSessionConfiguration.ephemeral
        c.httpCookieStorage = nil
        c.urlCache = nil
        session = URLSession(configuration: c)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func attach(_ door: WakeupHandle) { self.door = door }

    public func carry(_ r: CarriedRequest) {
        guard let door else { preconditionFailure("URLSessionCarrier.carry before attach") }
        let id = r.exchange
        guard let request = Self.urlRequest(r) else {
            // The host only: the path may be the credential (a Slack webhook), and this text is stored.
            door.post(CarriedAnswer.failed(id, "not a URL URLSession accepts (to \(r.url.scheme)://\(r.url.hostHeader))").event)
            return
        }
        session.dataTask(with: request) { data, response, error in
            let answer: CarriedAnswer
            if let http = response as? HTTPURLResponse, error == nil {
                answer = .response(id, Self.response(status: http.statusCode, headers: http.allHeaderFields, body: data ?? Data()))
            } else {
                answer = .failed(id, "https: \(error.map { "\($0.localizedDescription)" } ?? "no HTTP response")")
            }
            // The inbox is bounded; a full one is a reactor far behind: the attempt times out.
            door.post(answer.event)
        }.resume()
    }

    /// Headers URLSession sets itself, or that describe a framing it has already undone.
    static let framingHeaders: Set<String> = ["host", "connection", "content-length", "transfer-encoding", "keep-alive",
                                               "content-encoding", "expect", "te", "upgrade", "proxy-connection"]

    static func urlRequest(_ r: CarriedRequest) -> URLRequest? {
        guard let url = URL(string: r.url.with(target: r.request.target).description) else { return nil }
        var u = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: Double(r.timeout_ms) / 1000)
        u.httpMethod = r.request.method
        for (name, value) in r.request.headers where !framingHeaders.contains(name.lowercased()) {
            u.addValue(value, forHTTPHeaderField: name)
        }
        if !r.request.body.isEmpty { u.httpBody = Data(r.request.body) }
        return u
    }

    /// URLSession's answer as the HTTP/1.1 message the stage reads: the body is already
    /// de-chunked and decompressed, so the framing headers that described the wire go
    /// (the serializer writes a fresh Content-Length); the rest keep their values, sorted by name
    /// so the same answer always gives the same bytes.
    static func response(status: Int, headers: [AnyHashable: Any], body: Data) -> HTTPResponse {
        var h = HTTPHeaders()
        let fields = headers.compactMap { k, v -> (String, String)? in
            guard let name = k as? String else { return nil }
            return (name, "\(v)")
        }
        for (name, value) in fields.sorted(by: { $0.0.lowercased() < $1.0.lowercased() })
        where !framingHeaders.contains(name.lowercased()) {
            h.add(name, value)
        }
        return HTTPResponse(status: status, headers: h, body: Array(body))
    }
}
