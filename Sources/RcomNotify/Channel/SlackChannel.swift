import RcomCore
import RcomCLI

/// Slack incoming webhooks: `POST` of `{"text": ...}` as JSON; Slack answers `200 ok`, or an
/// error word (`invalid_payload`, `channel_not_found`, `no_service`) with a 4xx status.
///
/// `RCOM_SLACK_WEBHOOK_URL` is either a template containing `{target}` (one webhook per
/// workspace/channel or per name) or one fixed webhook URL, in which case the channel goes in the
/// payload's `channel` field. Real Slack webhooks are https: see design/notify.md.
public struct SlackChannel: Channel {
    public static let name = "slack"
    public static let targetForm = "WORKSPACE/CHANNEL (c3245/databases) or a webhook name (ops-alerts)"
    public static let endpointKey = "RCOM_SLACK_WEBHOOK_URL"

    let template: String

    public init(settings: ChannelSettings) {
        template = settings.value(Self.endpointKey) ?? settings.simulatorHTTP.with(target: "/slack/{target}").description
    }

    public func normalise(target: String) -> Result<String, TargetError> {
        let t = target.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = t.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix("#") ? $0.dropFirst() : $0 }
        let ok: (Substring) -> Bool = { p in
            !p.isEmpty && p.utf8.count <= 80
                && p.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 || $0 == 46 }
        }
        guard (1...2).contains(parts.count), parts.allSatisfy(ok) else {
            return .failure(TargetError("\(Self.name) target \(TerminalText.quoted(target)): expected \(Self.targetForm) (letters, digits, '-', '_', '.')"))
        }
        return .success(parts.joined(separator: "/"))
    }

    public func request(for n: Notification) -> ProviderRequest {
        let templated = template.contains("{target}")
        let urlText = template.replacingOccurrences(of: "{target}", with: n.target)
        // Validated at configuration time by the command; the simulator default is always valid.
        let url = HTTPURL(urlText) ?? HTTPURL(host: "invalid.invalid", port: 80)
        var fields = [("text", JSONText.quote(n.text))]
        if !templated { fields.append(("channel", JSONText.quote("#" + (n.target.split(separator: "/").last.map(String.init) ?? n.target)))) }
        var h = HTTPHeaders()
        h.add("Host", url.hostHeader)
        h.add("Content-Type", "application/json")
        return .http(url, HTTPRequest(method: "POST", target: url.target, headers: h, body: Array(JSONText.object(fields).utf8)))
    }

    public func result(of answer: ProviderAnswer) -> DeliveryResult {
        guard case .http(let r) = answer else { return .permanent("not an HTTP answer") }
        let text = HTTPAnswer.text(r.body)
        if (200...299).contains(r.status) && text != "ok" {
            return .permanent("\(r.status) unexpected answer \(TerminalText.quoted(text))")
        }
        return HTTPAnswer.classify(r, delivered: "ok", problem: text)
    }
}
