import Foundation
import RcomCore
import RcomCLI

/// A generic webhook: `POST` of a JSON object (id, message, and link when tracking is on) to the
/// target URL. Any 2xx is delivery; the answer's JSON `id`, if present, is the provider's id.
/// http targets go over the reactor's own connections, https ones through URLSession.
/// This file plus one line in `ChannelRegistry.standard` is the whole channel.
public struct WebhookChannel: Channel {
    public static let name = "webhook"
    public static let targetForm = "an http:// or https:// URL such as https://hooks.example.com/ops"
    public static let endpointKey = "RCOM_WEBHOOK_URL"

    /// A target may be a bare name, appended to this base when the request is built (so a name
    /// means the same wherever the base points: the simulator's port is chosen at start).
    let base: HTTPURL

    public init(settings: ChannelSettings) {
        base = settings.value(Self.endpointKey).flatMap { HTTPURL($0) } ?? settings.simulatorHTTP.with(target: "/webhook")
    }

    public func normalise(target: String) -> Result<String, TargetError> {
        let t = target.trimmingCharacters(in: .whitespaces)
        if let url = HTTPURL(t) { return .success(url.description) }
        if !t.isEmpty, t.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }) {
            return .success(t)
        }
        return .failure(TargetError("\(Self.name) target \(TerminalText.quoted(target)): expected \(Self.targetForm) or a name (a-z, 0-9, '-', '_') under \(Self.endpointKey)"))
    }

    public func request(for n: Notification) -> ProviderRequest {
        let url = HTTPURL(n.target) ?? base.with(target: base.target.trimmingSuffix("/") + "/" + n.target)
        var h = HTTPHeaders()
        h.add("Host", url.hostHeader)
        h.add("Content-Type", "application/json")
        var fields = [("id", JSONText.quote(n.id)), ("message", JSONText.quote(n.message))]
        if !n.trackingURL.isEmpty { fields.append(("link", JSONText.quote(n.trackingURL))) }
        let body = JSONText.object(fields)
        return .http(url, HTTPRequest(method: "POST", target: url.target, headers: h, body: Array(body.utf8)))
    }

    public func result(of answer: ProviderAnswer) -> DeliveryResult {
        guard case .http(let r) = answer else { return .permanent("not an HTTP answer") }
        let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any]
        let id = json?["id"] as? String ?? "\(r.status)"
        return HTTPAnswer.classify(r, delivered: id, problem: HTTPAnswer.text(r.body))
    }
}
