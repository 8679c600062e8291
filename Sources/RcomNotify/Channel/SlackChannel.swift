import RcomCore
import RcomCLI

/// Slack incoming webhooks: `POST` of `{"text": ...}` as JSON; Slack answers `200 ok`, or an
/// error word (`invalid_payload`, `channel_not_found`, `no_service`) with a 4xx status.
///
/// A Slack app's incoming webhook posts to the one channel it was created for and ignores a
/// `channel` field, so none is sent. `RCOM_SLACK_WEBHOOK_URL` is either that one URL (every
/// target goes to its channel; the target is recorded, not routed) or a template containing
/// `{target}`, replaced by the normalised target (a router of your own that maps targets to
/// webhooks). The URL is itself the credential: it is never shown (`SecretText`).
/// Real Slack webhooks are https: see design/notify.md.
public struct SlackChannel: Channel {
    public static let name = "slack"
    public static let targetForm =
        "WORKSPACE/CHANNEL (c3245/databases), a channel name (#ops), a channel id (C012AB3CD), a user (@ana) or a webhook name (ops-alerts)"
    public static let endpointKey = "RCOM_SLACK_WEBHOOK_URL"

    let template: String

    public init(settings: ChannelSettings) {
        template = settings.value(Self.endpointKey) ?? settings.simulatorHTTP.with(target: "/slack/{target}").description
    }

    /// The webhook URL is the credential: its path and query (the pieces around `{target}`)
    /// are never shown; the scheme and host may be.
    public static func secrets(_ settings: ChannelSettings) -> [String] {
        guard let url = settings.value(endpointKey), let scheme = url.range(of: "://") else { return [] }
        let afterHost = url[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" } ?? url.endIndex
        return url[afterHost...].components(separatedBy: "{target}").filter { $0.count > 1 }
    }

    public func normalise(target: String) -> Result<String, TargetError> {
        let t = target.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: "/", omittingEmptySubsequences: false)
        let refused = TargetError("\(Self.name) target \(TerminalText.quoted(target)): expected \(Self.targetForm) (letters, digits, '-', '_', '.')")
        guard (1...2).contains(parts.count) else { return .failure(refused) }
        var out: [String] = []
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            // `@user` only names the conversation, never the workspace.
            if last, part.hasPrefix("@") {
                let user = part.dropFirst()
                guard Self.isName(user) else { return .failure(refused) }
                out.append("@" + user.lowercased())
                continue
            }
            let p = part.hasPrefix("#") ? part.dropFirst() : part
            guard Self.isName(p) else { return .failure(refused) }
            // Ids (C012AB3CD, T0123ABCD) are upper case and case matters; names are lower case.
            out.append(Self.isID(p) ? String(p) : p.lowercased())
        }
        return .success(out.joined(separator: "/"))
    }

    static func isName(_ p: Substring) -> Bool {
        !p.isEmpty && p.utf8.count <= 80
            && p.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Slack's ids: an upper-case letter (C channel, G group, D direct, T team, U/W user), then
    /// upper-case letters and digits, 9 or more in all.
    static func isID(_ p: Substring) -> Bool {
        p.utf8.count >= 9 && p.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }
            && p.utf8.first.map { $0 >= 65 && $0 <= 90 } == true && p.utf8.contains { $0 >= 48 && $0 <= 57 }
    }

    /// Slack reads `&`, `<` and `>` in `text` as markup (`<url|label>`, `<@U123>`); these three
    /// and only these are escaped, so a message is shown as written.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The text Slack shows: the message escaped, and the tracking link (when there is one) as
    /// Slack's own link markup, whose angle brackets must stay markup.
    static func slackText(_ n: Notification) -> String {
        let message = escaped(n.message)
        return n.trackingURL.isEmpty ? message : "\(message)\n<\(escaped(n.trackingURL))>"
    }

    public func request(for n: Notification) -> ProviderRequest {
        let urlText = template.replacingOccurrences(of: "{target}", with: n.target)
        // Validated at configuration time by the command; the simulator default is always valid.
        let url = HTTPURL(urlText) ?? HTTPURL(host: "invalid.invalid", port: 80)
        var h = HTTPHeaders()
        h.add("Host", url.hostHeader)
        h.add("Content-Type", "application/json")
        let body = JSONText.object([("text", JSONText.quote(Self.slackText(n)))])
        return .http(url, HTTPRequest(method: "POST", target: url.target, headers: h, body: Array(body.utf8)))
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
