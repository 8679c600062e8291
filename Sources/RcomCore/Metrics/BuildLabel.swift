/// The build a server reports: in `/healthz`, and as `rcom_build_info` on `/metrics`.
///
/// Injected by the command (from `RcomBuild`) rather than read by the pipeline, and carried in
/// a trace's header: a trace recorded by one build then replays under any later build with the
/// answers it recorded. Empty (`.none`) in tests and old traces: `/healthz` is `{"ok":true}`.
public struct BuildLabel: Sendable, Equatable {
    public var version: String
    public var commit: String

    public init(version: String, commit: String) {
        self.version = version
        self.commit = commit
    }

    public static let none = BuildLabel(version: "", commit: "")

    /// The `/healthz` body.
    public var healthJSON: String {
        version.isEmpty ? #"{"ok":true}"# : JSONText.object([("ok", "true"), ("version", JSONText.quote(version)), ("commit", JSONText.quote(commit))])
    }

    /// `rcom_build_info{version,commit} 1`, the usual way to put a build on a dashboard.
    public func render(into m: inout PrometheusExposition) {
        guard !version.isEmpty else { return }
        m.gauge("rcom_build_info", "The rcom build serving: its version and git commit (always 1).",
                labeled: [([("version", version), ("commit", commit)], 1)])
    }

    public var traceConfig: [(String, String)] { [("version", version), ("commit", commit)] }

    /// From a trace header's config; absent keys (traces older than this) give `.none`.
    public init(trace config: [String: String]) {
        self.init(version: config["version"] ?? "", commit: config["commit"] ?? "")
    }
}
