/// Turns head lines into typed parts and decides body framing, refusing the ambiguous
/// forms that enable request smuggling (RFC 9112 §6.3).
enum HTTPHeadParser {
    /// The field lines of a head (each ended by CRLF), checked by the field-line grammar; the
    /// headers keep them where they are, each field's name and value found in place.
    /// Control characters and bare CRs were refused for the whole head already (`HTTPHead`).
    static func headers(_ head: HTTPHead) -> Result<HTTPHeaders, HTTPParseError> {
        let section = head.fieldSection
        var fields: [HTTPHeaders.Field] = []
        fields.reserveCapacity(head.fieldCount)
        var lineStart = 0
        for i in 0..<section.count where section[i] == 10 {
            let line = UnsafeBufferPointer(rebasing: section[lineStart..<i - 1])
            if let problem = HTTPFieldLine.problem(line, checkingValue: false) {
                return .failure(HTTPParseError(400, problem, kind: .malformed))
            }
            let colon = lineStart + line.firstIndex(of: UInt8(ascii: ":"))!
            var start = colon + 1, end = i - 1
            while start < end, section[start] == 32 || section[start] == 9 { start += 1 }
            while end > start, section[end - 1] == 32 || section[end - 1] == 9 { end -= 1 }
            let base = head.fieldOffset
            fields.append(HTTPHeaders.Field(nameStart: base + lineStart, nameEnd: base + colon, valueStart: base + start, valueEnd: base + end))
            lineStart = i + 1
        }
        return .success(HTTPHeaders(decoded: head.buffer, fields: fields))
    }

    /// `HTTP/1.0` and `HTTP/1.1`; a higher 1.x is read as 1.1 (RFC 9110 §2.5); another major
    /// version is valid but not ours (505); anything else is not a version (400).
    static func version(_ b: UnsafeBufferPointer<UInt8>) -> Result<HTTPVersion, HTTPParseError> {
        guard b.count == 8, b[0...4].elementsEqual("HTTP/".utf8), b[6] == UInt8(ascii: "."),
              (48...57).contains(b[5]), (48...57).contains(b[7]) else {
            return .failure(HTTPParseError(400, "malformed HTTP version", kind: .malformed))
        }
        guard b[5] == UInt8(ascii: "1") else {
            return .failure(HTTPParseError(505, "HTTP version \(String(decoding: b, as: UTF8.self)) is not supported", kind: .unsupported))
        }
        return .success(b[7] == UInt8(ascii: "0") ? .http10 : .http11)
    }

    /// Content-Length / Transfer-Encoding resolution. `unframed` is what a message with
    /// neither header gets: no body for requests, read-until-close for responses.
    static func framing(_ headers: HTTPHeaders, version: HTTPVersion, limits: HTTPLimits,
                        unframed: HTTPByteStream.Framing) -> Result<HTTPByteStream.Framing, HTTPParseError> {
        let isRequest = unframed == .none
        let cl = headers.countAndFirst("content-length")
        if headers.contains("transfer-encoding") {
            let te = headers.tokens("transfer-encoding")
            if cl.count > 0 {
                return .failure(HTTPParseError(400, "both Content-Length and Transfer-Encoding present"))
            }
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            if version == .http10 {
                return .failure(HTTPParseError(400, "Transfer-Encoding is not allowed in HTTP/1.0"))
            }
            let chunkedCount = te.filter { $0 == "chunked" }.count
            if te.last != "chunked" || chunkedCount > 1 {
                // §6.3: a request's length cannot be known (400); a response is read until close.
                guard isRequest, chunkedCount <= 1 else {
                    if chunkedCount > 1 { return .failure(HTTPParseError(400, "chunked applied more than once")) }
                    return .success(.untilEOF)
                }
                return .failure(HTTPParseError(400, "Transfer-Encoding '\(te.joined(separator: ", ").prefix(60))' does not end in chunked"))
            }
            // A response's framing is still known (chunked is last); a request's other coding we cannot undo.
            if !isRequest { return .success(.chunked) }
            guard te.count == 1 else {
                return .failure(HTTPParseError(501, "unsupported Transfer-Encoding '\(te.joined(separator: ", ").prefix(60))'"))
            }
            return .success(.chunked)
        }
        guard cl.count > 0 else { return .success(unframed) }
        // One value only: RFC 9110 §8.6 lets a recipient merge equal repeats; the strict reading refuses them.
        guard cl.count == 1, let text = cl.first, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return .failure(HTTPParseError(400, "invalid Content-Length"))
        }
        let significant = text.utf8.drop { $0 == 48 }
        guard significant.count <= 18, let length = Int(Substring(significant).isEmpty ? "0" : String(Substring(significant))) else {
            return .failure(HTTPParseError(413, "Content-Length too large"))
        }
        if length > limits.bodyBytesMax {
            return .failure(HTTPParseError(413, "body of \(length) bytes is larger than \(limits.bodyBytesMax)"))
        }
        return .success(.length(length))
    }
}
