import XCTest
@testable import RcomCLI

/// Every option of every command is readable from a variable, so one env file configures a service.
final class EnvironmentOptionTests: XCTestCase {
    static let spec = CommandSpec(
        name: "demo serve", summary: "a server", usage: "demo serve",
        options: [
            OptionSpec("max-connections", value: "N", help: "bound", default: "10"),
            OptionSpec("upstream", value: "URL", help: "where", env: "RCOM_UPSTREAM"),
            OptionSpec("quiet", help: "less output"),
        ])

    func testVariableNamesAreDerivedFromCommandAndOption() {
        XCTAssertEqual(CommandSpec.environmentVariable(command: "proxy", option: "max-connections"), "RCOM_PROXY_MAX_CONNECTIONS")
        XCTAssertEqual(CommandSpec.environmentVariable(command: "jobserver verify", option: "jobs"), "RCOM_JOBSERVER_VERIFY_JOBS")
        XCTAssertEqual(CommandSpec.environmentVariable(command: "track", option: "log-format"), "RCOM_TRACK_LOG_FORMAT")
        XCTAssertEqual(Self.spec.options.map(\.environment), ["RCOM_DEMO_SERVE_MAX_CONNECTIONS", "RCOM_UPSTREAM", "RCOM_DEMO_SERVE_QUIET"],
                       "an explicit variable is kept")
    }

    func testDerivedVariablesAreReadAndListedInHelp() throws {
        let env = ["RCOM_DEMO_SERVE_MAX_CONNECTIONS": "77", "RCOM_DEMO_SERVE_QUIET": "true", "RCOM_UPSTREAM": "http://u"]
        guard case .parsed(let p) = try ArgumentParser.parse([], spec: Self.spec, environment: env) else { return XCTFail() }
        XCTAssertEqual(try p.int("max-connections"), 77)
        XCTAssertTrue(p.flag("quiet"))
        XCTAssertEqual(p.string("upstream"), "http://u")
        guard case .parsed(let flagWins) = try ArgumentParser.parse(["--max-connections", "5"], spec: Self.spec, environment: env) else { return XCTFail() }
        XCTAssertEqual(try flagWins.int("max-connections"), 5, "the command line beats the environment")
        XCTAssertThrowsError(try ArgumentParser.parse([], spec: Self.spec, environment: ["RCOM_DEMO_SERVE_QUIET": "perhaps"]))

        for variable in ["[env: RCOM_DEMO_SERVE_MAX_CONNECTIONS]", "[env: RCOM_UPSTREAM]", "[env: RCOM_DEMO_SERVE_QUIET]"] {
            XCTAssertTrue(Self.spec.helpText.contains(variable), "help lacks \(variable):\n\(Self.spec.helpText)")
        }
    }
}
