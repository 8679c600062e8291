/// Turns head lines into typed parts and decides body framing, refusing the ambiguous
/// forms that enable request smuggling (RFC 9112 §6.3).
enum HTTPHeadParser {
    static func headers(_ lines: ArraySlice<Substring>) -> Result<HTTPHeaders, HTTPParseError> {
        var headers = HTTPHeaders()
        for line in lines {
            // Bytes, not Characters: a combining mark after ':' or ' ' would merge with it.
            let bytes = line.utf8
            if bytes.first == 32 || bytes.first == 9 {
                return .failure(HTTPParseError(400, "obsolete header line folding is not accepted"))
            }
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(HTTPParseError(400, "header line without a colon"))
            }
            let name = bytes[..<colon]
            guard !name.isEmpty, name.allSatisfy(ASCII.isTokenChar) else {
                return .failure(HTTPParseError(400, "invalid header name '\(String(decoding: name.prefix(40), as: UTF8.self))'"))
            }
            headers.add(String(decoding: name, as: UTF8.self), ASCII.trim(Substring(bytes[bytes.index(after: colon)...])))
        }
        return .success(headers)
    }

    static func version(_ text: Substring) -> Result<HTTPVersion, HTTPParseError> {
        switch text {
        case "HTTP/1.1": return .success(.http11)
        case "HTTP/1.0": return .success(.http10)
        default:
            if text.hasPrefix("HTTP/") { return .failure(HTTPParseError(505, "HTTP version \(text.prefix(16)) is not supported")) }
            return .failure(HTTPParseError(400, "malformed HTTP version"))
        }
    }

    /// Content-Length / Transfer-Encoding resolution. `unframed` is what a message with
    /// neither header gets: no body for requests, read-until-close for responses.
    static func framing(_ headers: HTTPHeaders, version: HTTPVersion, limits: HTTPLimits,
                        unframed: HTTPByteStream.Framing) -> Result<HTTPByteStream.Framing, HTTPParseError> {
        let te = headers.tokens("transfer-encoding")
        let cl = headers.all("content-length")
        if !te.isEmpty || headers.first("transfer-encoding") != nil {
            if !cl.isEmpty {
                return .failure(HTTPParseError(400, "both Content-Length and Transfer-Encoding present"))
            }
            if version == .http10 {
                return .failure(HTTPParseError(400, "Transfer-Encoding is not allowed in HTTP/1.0"))
            }
            guard te == ["chunked"] else {
                return .failure(HTTPParseError(501, "unsupported Transfer-Encoding '\(te.joined(separator: ", "))'"))
            }
            return .success(.chunked)
        }
        guard !cl.isEmpty else { return .success(unframed) }
        // Repeated identical values are tolerated (RFC 9110 §8.6); differing ones are not.
        let values = Set(cl.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { ASCII.trim($0) })
        guard values.count == 1, let text = values.first, !text.isEmpty, text.utf8.count <= 18,
              text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(text) else {
            return .failure(HTTPParseError(400, "invalid Content-Length"))
        }
        if length > limits.bodyBytesMax {
            return .failure(HTTPParseError(413, "body of \(length) bytes is larger than \(limits.bodyBytesMax)"))
        }
        return .success(.length(length))
    }
}
