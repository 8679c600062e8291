/// Credentials that must not reach a terminal or log (a Slack webhook URL's path, the SMS auth
/// token), taken from the channels' settings, and text with them replaced by `redacted`.
/// Applied to everything `rcom send` prints, errors included: an error from a library (a
/// URLSession failure naming its URL) is text rcom did not write.
public struct SecretText: Sendable {
    public static let redacted = "[redacted]"
    /// Longest first, so a secret that contains another is replaced whole.
    public let secrets: [String]

    public init(_ secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { $0.count > 1 })).sorted { ($0.count, $0) > ($1.count, $1) }
    }

    public init(settings: ChannelSettings, entries: [ChannelEntry] = ChannelRegistry.standard) {
        self.init(entries.flatMap { $0.secrets(settings) })
    }

    public func scrub(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) {
            out = out.replacingOccurrences(of: s, with: s.hasPrefix("/") ? "/" + Self.redacted : Self.redacted)
        }
        return out
    }

    public func contains(_ text: String) -> Bool { secrets.contains { text.contains($0) } }
}
