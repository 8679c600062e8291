import RcomCore

/// A parsed `POST /start` body: `{"account": String, "wait": Bool, "callback": URL?}`, read by
/// the proxy and the job server alike with one set of rules (strict RFC 8259, see `JSONObject`).
/// `object` keeps the body's members so a proxy forwards what it does not know about as sent.
public struct JobStartRequest: Sendable {
    public let account: String
    public let wait: Bool
    public let callback: HTTPURL?
    public let callbackText: String?
    public let object: JSONObject

    public static let accountBytesMax = 256

    /// Errors are sentences for a 400 body.
    public static func parse(_ body: [UInt8]) -> Result<JobStartRequest, JobRequestError> {
        let object: JSONObject
        switch JSONObject.parse(body) {
        case .success(let o): object = o
        case .failure(let e):
            return .failure(JobRequestError("body is not a JSON object such as {\"account\": \"you@example.com\", \"wait\": true} (\(e))"))
        }
        guard let account = object.string("account"), account.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 }) else {
            return .failure(JobRequestError("\"account\" is missing or empty"))
        }
        guard account.utf8.count <= accountBytesMax else {
            return .failure(JobRequestError("\"account\" is longer than \(accountBytesMax) bytes"))
        }
        let wait: Bool
        switch object.member("wait")?.kind {
        case nil: wait = false
        case .bool(let b)?: wait = b
        default: return .failure(JobRequestError("\"wait\" must be true or false"))
        }
        let callbackMember = object.member("callback")
        let callbackText = callbackMember.flatMap(object.string)
        if callbackMember != nil && callbackText == nil {
            return .failure(JobRequestError("\"callback\" must be a string URL"))
        }
        var callback: HTTPURL?
        if let text = callbackText {
            guard let url = HTTPURL(text) else {
                return .failure(JobRequestError("\"callback\" is not an absolute http(s) URL: \(text.prefix(100))"))
            }
            callback = url
        }
        if !wait && callback == nil {
            return .failure(JobRequestError("\"wait\" is false but no \"callback\" URL was given"))
        }
        return .success(JobStartRequest(account: account, wait: wait, callback: callback, callbackText: callbackText, object: object))
    }

    /// The body a proxy sends upstream in place of a waiting start: the client's members as it
    /// sent them, in its order, except `wait` and `callback`, then `"wait":false` and the proxy's
    /// callback URL. Deterministic for a given body (traces compare these bytes).
    public func forwarded(callback url: String) -> [UInt8] {
        let bytes = object.bytes
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(bytes.count + url.utf8.count + 32)
        for m in object.members where m.name != "wait" && m.name != "callback" {
            out.append(contentsOf: bytes[m.range])
            out.append(UInt8(ascii: ","))
        }
        out.append(contentsOf: "\"wait\":false,\"callback\":".utf8)
        JSONText.appendQuoted(url, to: &out)  // into `out`: no quoted String per job
        out.append(UInt8(ascii: "}"))
        return out
    }
}

public struct JobRequestError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}
