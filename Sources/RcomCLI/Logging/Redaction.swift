/// What may be logged of a secret: enough to tell two apart, never enough to use one.
///
/// A callback token is the only credential a callback carries (whoever knows it can answer a
/// waiting client), and secrets such as the job server's signing key must never reach a log
/// store. Logs show the first characters and an ellipsis: 6 of a 32-hex-digit token (24 of its
/// 128 bits), and at most a quarter of anything shorter.
public enum Redaction {
    public static func secret(_ s: String, keep: Int = 6) -> String {
        guard !s.isEmpty else { return "" }
        return String(s.prefix(min(keep, s.count / 4))) + "…"
    }

    /// Paths whose last part is a credential (`/callback/<token>`).
    public static let secretPathPrefixes = ["/callback/"]

    /// `/callback/0123456789abcdef…` → `/callback/012345…`; the query is dropped from every
    /// path (it may carry keys); other paths are kept.
    public static func path(_ path: String, secretPrefixes: [String] = secretPathPrefixes) -> String {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        for prefix in secretPrefixes where bare.hasPrefix(prefix) {
            return prefix + secret(String(bare.dropFirst(prefix.count)))
        }
        return bare
    }
}
