/// What `rcom --version`, `/healthz` and the first log line report.
///
/// `gitCommit` comes from `GitCommit.swift`, which `Plugins/GitCommitPlugin` writes at build
/// time (re-written whenever HEAD moves; "unknown" outside a git checkout).
public enum RcomBuild {
    /// Raised by hand when a release is cut.
    public static let version = "0.9.0"
    /// The full sha of the commit the binary was built from, or "unknown".
    public static let commit = gitCommit
    /// `rcom 0.9.0 (commit 1a2b3c4d5e6f)`.
    public static var description: String {
        "rcom \(version) (commit \(commit == "unknown" ? commit : String(commit.prefix(12))))"
    }
}
