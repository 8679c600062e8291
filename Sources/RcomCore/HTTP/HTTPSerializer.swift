/// Message → bytes. Adds `Content-Length` when the caller set neither it nor chunked framing,
/// so every message we emit is self-delimiting (keep-alive and pipelining depend on it).
public enum HTTPSerializer {
    public static func bytes(_ r: HTTPRequest) -> [UInt8] {
        var out = Array("\(r.method) \(r.target) \(r.version.rawValue)\r\n".utf8)
        appendHeaders(r.headers, bodyCount: r.body.count, addLength: r.method != "GET" || !r.body.isEmpty, to: &out)
        appendBody(r.body, chunked: isChunked(r.headers), to: &out)
        return out
    }

    /// `bodyOmitted`: the answer to HEAD (RFC 9110 §9.3.2) — the headers a GET would get,
    /// its Content-Length included, and no body.
    public static func bytes(_ r: HTTPResponse, bodyOmitted: Bool = false) -> [UInt8] {
        var out = Array("\(r.version.rawValue) \(r.status) \(r.reason)\r\n".utf8)
        let bodiless = (100...199).contains(r.status) || r.status == 204 || r.status == 304
        appendHeaders(r.headers, bodyCount: r.body.count, addLength: !bodiless, to: &out)
        if !bodyOmitted { appendBody(r.body, chunked: !bodiless && isChunked(r.headers), to: &out) }
        return out
    }

    /// `100 Continue` interim response.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A message that says `Transfer-Encoding: chunked` gets its (decoded) body chunk-encoded;
    /// written raw, the body's bytes would be read as chunk framing (request smuggling).
    /// (A response to HEAD must not carry such a header with this serializer: it would get `0\r\n\r\n`.)
    private static func isChunked(_ headers: HTTPHeaders) -> Bool {
        headers.tokens("transfer-encoding").last == "chunked"
    }

    private static func appendBody(_ body: [UInt8], chunked: Bool, to out: inout [UInt8]) {
        guard chunked else { return out.append(contentsOf: body) }
        if !body.isEmpty {
            out.append(contentsOf: "\(String(body.count, radix: 16))\r\n".utf8)
            out.append(contentsOf: body)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "0\r\n\r\n".utf8)
    }

    private static func appendHeaders(_ headers: HTTPHeaders, bodyCount: Int, addLength: Bool, to out: inout [UInt8]) {
        var hasFraming = false
        for (name, value) in headers {
            if HTTPHeaders.equalsIgnoringCase(name, "content-length") || HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding") {
                hasFraming = true
            }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !hasFraming && addLength {
            out.append(contentsOf: "Content-Length: \(bodyCount)\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
    }
}
