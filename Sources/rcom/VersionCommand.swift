import RcomBuildInfo
import RcomCLI

/// `rcom version` and `rcom --version`: the version and the full sha of the commit built from.
enum VersionCommand: Command {
    static let spec = CommandSpec(
        name: "version",
        summary: "Print the version and the git commit this binary was built from",
        usage: "version   (or rcom --version)",
        discussion: "The commit is recorded at build time; \"unknown\" when built outside a git checkout.")

    static func run(_ args: ParsedArguments) -> Int32 {
        print("rcom \(RcomBuild.version) (commit \(RcomBuild.commit))")
        return ExitCode.success
    }
}
