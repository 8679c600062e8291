import Foundation
import XCTest
import RcomCLI
@testable import RcomJobs

/// deploy/ stays true to the binary: every variable in the env file is one `rcom proxy` reads,
/// the unit's stop timeout outlasts the drain, and its descriptor limit fits --max-connections.
final class DeployFilesTests: XCTestCase {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy")

    func settings(_ file: String, separator: Character) throws -> [String: String] {
        let text = try String(contentsOf: Self.deploy.appendingPathComponent(file), encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let i = line.firstIndex(of: separator) else { continue }
            out[String(line[..<i])] = String(line[line.index(after: i)...])
        }
        return out
    }

    func testEnvFileNamesOnlyVariablesTheProxyReads() throws {
        let env = try settings("rcom-proxy.env", separator: "=")
        XCTAssertFalse(env.isEmpty)
        // The proxy's own options, and the logging options every server takes.
        let known = Set(ProxyCommand.spec.options.compactMap(\.environment)
                        + LogOptions.options.map { CommandSpec.environmentVariable(command: "proxy", option: $0.name) })
        for name in env.keys { XCTAssertTrue(known.contains(name), "\(name) is not a variable of rcom proxy") }
    }

    func testStopTimeoutOutlastsTheDrainAndDescriptorsFitTheConnections() throws {
        let env = try settings("rcom-proxy.env", separator: "=")
        let unit = try settings("rcom-proxy.service", separator: "=")
        let drain_ms = try XCTUnwrap(DurationText.milliseconds(env["RCOM_PROXY_DRAIN_TIMEOUT"] ?? ""))
        let stop_ms = try XCTUnwrap(DurationText.milliseconds(unit["TimeoutStopSec"] ?? ""))
        XCTAssertGreaterThan(stop_ms, drain_ms + 5_000, "systemd would SIGKILL the proxy while it drains")
        XCTAssertEqual(unit["KillSignal"], "SIGTERM")
        XCTAssertEqual(unit["Restart"], "on-failure")
        XCTAssertEqual(unit["EnvironmentFile"], "/etc/rcom/rcom-proxy.env")

        let clients = try XCTUnwrap(Int(env["RCOM_PROXY_MAX_CONNECTIONS"] ?? ""))
        let upstream = try XCTUnwrap(Int(env["RCOM_PROXY_MAX_UPSTREAM_CONNECTIONS"] ?? ""))
        let budget = ProxyDescriptorBudget(descriptorsMax: try XCTUnwrap(Int(unit["LimitNOFILE"] ?? "")),
                                           clientsWanted: clients, upstreamWanted: upstream)
        XCTAssertEqual(budget.clientsMax, clients, "LimitNOFILE leaves room for fewer clients than --max-connections")
        XCTAssertEqual(budget.upstreamMax, upstream)
    }
}
