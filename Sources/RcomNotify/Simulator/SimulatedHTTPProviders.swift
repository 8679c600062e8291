import Foundation
import RcomCore

/// The HTTP providers the simulator imitates, each checking requests the way the real one does
/// and answering in its format:
/// - Twilio Messages API: `POST /2010-04-01/Accounts/{sid}/Messages.json`, Basic auth, form
///   `To` (E.164), `From`, `Body` → `201 {"sid": "SM…", "status": "queued", …}`; errors as
///   Twilio's `{"code", "message", "status"}`.
/// - Slack incoming webhook: `POST /slack/{workspace}/{channel}` with JSON `{"text": …}` → `200 ok`.
/// - Generic webhook: `POST /webhook/…` with a JSON object → `200 {"id": "wh…"}`.
enum SimulatedHTTPProviders {
    /// A well-formed provider call: what it delivers and the provider's answers to it.
    struct Call {
        let channel: String
        let target: String
        let text: String
        let accepted: HTTPResponse
        let rejected: HTTPResponse
    }

    enum Routed {
        case call(Call)
        /// Answered without delivering: a malformed call, health, not found.
        case answer(HTTPResponse)
        case stats
        case health
        case metrics
    }

    static func route(_ r: HTTPRequest, entropy: EntropySource) -> Routed {
        let path = String(r.path)
        if path == "/healthz" { return .health }
        if path == "/_sim/stats" { return .stats }
        if path == "/metrics" { return r.method == "GET" || r.method == "HEAD" ? .metrics : .answer(.error(405, "GET only")) }
        let parts = path.split(separator: "/").map(String.init)
        if parts.count == 4, parts[0] == "2010-04-01", parts[1] == "Accounts", parts[3] == "Messages.json" {
            return r.method == "POST" ? twilio(r, accountSID: parts[2], entropy: entropy) : .answer(twilioError(405, 20004, "Method not allowed"))
        }
        if parts.first == "slack" {
            return r.method == "POST" ? slack(r, target: parts.dropFirst().joined(separator: "/")) : .answer(text(405, "invalid_method"))
        }
        if parts.first == "webhook" {
            return r.method == "POST" ? webhook(r, target: path, entropy: entropy) : .answer(.error(405, "POST only"))
        }
        return .answer(.error(404, "no provider at \(path.prefix(80))"))
    }

    private static func twilio(_ r: HTTPRequest, accountSID: String, entropy: EntropySource) -> Routed {
        guard let auth = r.headers["authorization"], auth.hasPrefix("Basic "),
              let decoded = Data(base64Encoded: String(auth.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }),
              decoded.hasPrefix(accountSID + ":"), decoded.count > accountSID.count + 1 else {
            return .answer(twilioError(401, 20003, "Authentication Error - invalid username"))
        }
        guard r.headers["content-type"]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
              let fields = FormEncoding.decode(String(decoding: r.body, as: UTF8.self)) else {
            return .answer(twilioError(400, 20001, "Expected a form-encoded body"))
        }
        func field(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }
        guard let to = field("To"), isE164(to) else {
            return .answer(twilioError(400, 21211, "The 'To' number \(field("To") ?? "") is not a valid phone number."))
        }
        // Twilio takes a sender number (From) or a Messaging Service (MessagingServiceSid), which picks one.
        guard let from = field("From") ?? field("MessagingServiceSid"), !from.isEmpty else {
            return .answer(twilioError(400, 21603, "A 'From' phone number is required."))
        }
        guard let body = field("Body"), !body.isEmpty else { return .answer(twilioError(400, 21602, "Message body is required.")) }
        guard body.count <= 1600 else { return .answer(twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")) }
        let sid = "SM" + entropy.hexToken(bits: 128)
        let json = JSONText.object([
            ("sid", JSONText.quote(sid)), ("account_sid", JSONText.quote(accountSID)), ("to", JSONText.quote(to)),
            ("from", JSONText.quote(from)), ("body", JSONText.quote(body)), ("status", JSONText.quote("queued")),
            ("num_segments", JSONText.quote(String(SMSSegments(body).count))),
        ])
        return .call(Call(channel: "sms", target: to, text: body, accepted: .json(201, Array(json.utf8)),
                          rejected: twilioError(400, 21610, "Attempt to send to unsubscribed recipient")))
    }

    private static func slack(_ r: HTTPRequest, target: String) -> Routed {
        guard !target.isEmpty else { return .answer(text(404, "no_service")) }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] else {
            return .answer(text(400, "invalid_payload"))
        }
        guard let message = json["text"] as? String, !message.isEmpty else { return .answer(text(400, "no_text")) }
        return .call(Call(channel: "slack", target: target, text: message, accepted: text(200, "ok"),
                          rejected: text(404, "channel_not_found")))
    }

    private static func webhook(_ r: HTTPRequest, target: String, entropy: EntropySource) -> Routed {
        guard let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] else {
            return .answer(.error(400, "expected a JSON object"))
        }
        let text = [json["message"] as? String, json["link"] as? String].compactMap { $0 }.joined(separator: "\n")
        let id = "wh" + entropy.hexToken(bits: 64)
        return .call(Call(channel: "webhook", target: target, text: text,
                          accepted: .json(200, Array("{\"id\":\(JSONText.quote(id))}".utf8)),
                          rejected: .error(410, "this webhook is gone")))
    }

    static func isE164(_ s: String) -> Bool {
        let digits = s.dropFirst()
        return s.hasPrefix("+") && (8...15).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            && digits.first != "0"
    }

    static func twilioError(_ status: Int, _ code: Int, _ message: String) -> HTTPResponse {
        let json = JSONText.object([("code", String(code)), ("message", JSONText.quote(message)),
                                    ("more_info", JSONText.quote("https://www.twilio.com/docs/errors/\(code)")),
                                    ("status", String(status))])
        return .json(status, Array(json.utf8))
    }

    static func text(_ status: Int, _ body: String) -> HTTPResponse {
        var h = HTTPHeaders()
        h.add("Content-Type", "text/html")
        return HTTPResponse(status: status, headers: h, body: Array(body.utf8))
    }
}
