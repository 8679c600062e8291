public enum HTTPVersion: String, Equatable, Sendable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"
}

public struct HTTPRequest: Equatable, Sendable {
    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, version: HTTPVersion = .http11,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes unless told to keep it.
    public var keepAlive: Bool { HTTPMessageRules.keepAlive(version: version, headers: headers) }

    /// The target in origin-form: an absolute-form target (`http://host/p?q`, RFC 9112 §3.2.2)
    /// is routed by its path and query, like `/p?q`.
    public var originTarget: Substring {
        guard target.utf8.first != UInt8(ascii: "/"), let i = Self.absoluteFormPathStart(target.utf8[...]) else { return target[...] }
        let rest = target[i...]
        return rest.isEmpty || rest.first == "?" ? "/" + rest : rest
    }

    /// The path without the query string.
    public var path: Substring {
        let t = originTarget
        return t.firstIndex(of: "?").map { t[..<$0] } ?? t
    }

    /// Where the path of `http://authority/path` begins (the end when there is none), or nil when
    /// the target is not absolute-form with an http or https scheme and a non-empty authority.
    static func absoluteFormPathStart(_ target: Substring.UTF8View.SubSequence) -> String.Index? {
        for scheme in ["http://", "https://"] where target.count > scheme.utf8.count {
            let head = target.prefix(scheme.utf8.count)
            guard zip(head, scheme.utf8).allSatisfy({ ASCII.lower($0) == $1 }) else { continue }
            let authority = target.dropFirst(scheme.utf8.count)
            let end = authority.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? authority.endIndex
            return end == authority.startIndex ? nil : end
        }
        return nil
    }
}

public struct HTTPResponse: Equatable, Sendable {
    public var version: HTTPVersion
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, reason: String? = nil, version: HTTPVersion = .http11,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.version = version
        self.status = status
        self.reason = reason ?? HTTPStatus.reason(status)
        self.headers = headers
        self.body = body
    }

    public var keepAlive: Bool { HTTPMessageRules.keepAlive(version: version, headers: headers) }

    /// A JSON response; `Content-Length` is added when serialised.
    public static func json(_ status: Int, _ body: [UInt8], keepAlive: Bool = true) -> HTTPResponse {
        HTTPResponse(status: status, headers: keepAlive ? jsonHeaders : jsonClosingHeaders, body: body)
    }

    /// Shared by every JSON response (copied on write): building them per response cost a malloc.
    private static let jsonHeaders = HTTPHeaders([("Content-Type", "application/json")])
    private static let jsonClosingHeaders = HTTPHeaders([("Content-Type", "application/json"), ("Connection", "close")])

    /// `{"error": "..."}` with the message JSON-escaped.
    public static func error(_ status: Int, _ message: String, keepAlive: Bool = true) -> HTTPResponse {
        json(status, Array("{\"error\":\(JSONText.quote(message))}".utf8), keepAlive: keepAlive)
    }
}

enum HTTPMessageRules {
    static func keepAlive(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        if headers.hasToken("connection", "close") { return false }
        return version == .http11 || headers.hasToken("connection", "keep-alive")
    }
}

public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}
