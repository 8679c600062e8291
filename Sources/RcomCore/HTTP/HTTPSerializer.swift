/// Message → bytes. Adds `Content-Length` when the caller set neither it nor chunked framing,
/// so every message we emit is self-delimiting (keep-alive and pipelining depend on it).
public enum HTTPSerializer {
    public static func bytes(_ r: HTTPRequest) -> [UInt8] {
        var out = Array("\(r.method) \(r.target) \(r.version.rawValue)\r\n".utf8)
        appendHeaders(r.headers, bodyCount: r.body.count, addLength: r.method != "GET" || !r.body.isEmpty, to: &out)
        out.append(contentsOf: r.body)
        return out
    }

    public static func bytes(_ r: HTTPResponse) -> [UInt8] {
        var out = Array("\(r.version.rawValue) \(r.status) \(r.reason)\r\n".utf8)
        let bodiless = (100...199).contains(r.status) || r.status == 204 || r.status == 304
        appendHeaders(r.headers, bodyCount: r.body.count, addLength: !bodiless, to: &out)
        out.append(contentsOf: r.body)
        return out
    }

    /// `100 Continue` interim response.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

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
