import XCTest
@testable import RcomCLI

final class ArgumentParserTests: XCTestCase {
    static let spec = CommandSpec(
        name: "demo", summary: "a demo", usage: "demo [-k K] [NUMBERS]",
        options: [
            OptionSpec("k", short: "k", value: "K", help: "window", default: "4"),
            OptionSpec("port", value: "PORT", help: "port", env: "RCOM_PORT"),
            OptionSpec("json", help: "json output"),
            OptionSpec("timeout", value: "DURATION", help: "timeout", default: "30s"),
        ],
        positionalsMax: 1)

    func parsed(_ args: [String], env: [String: String] = [:]) throws -> ParsedArguments {
        guard case .parsed(let p) = try ArgumentParser.parse(args, spec: Self.spec, environment: env) else {
            XCTFail("expected parsed"); throw UsageError("no")
        }
        return p
    }

    func testLongShortAndEqualsForms() throws {
        XCTAssertEqual(try parsed(["--k", "7"]).int("k"), 7)
        XCTAssertEqual(try parsed(["--k=8"]).int("k"), 8)
        XCTAssertEqual(try parsed(["-k", "9"]).int("k"), 9)
        XCTAssertEqual(try parsed(["-k10"]).int("k"), 10)
        XCTAssertEqual(try parsed([]).int("k"), 4, "default applies")
        XCTAssertFalse(try parsed([]).isSet("k"))
    }

    func testFlagsPositionalsAndNegativeNumbers() throws {
        let p = try parsed(["--json", "-5,3,2"])
        XCTAssertTrue(p.flag("json"))
        XCTAssertEqual(p.positionals, ["-5,3,2"])
        XCTAssertEqual(try parsed(["-"]).positionals, ["-"])
        XCTAssertEqual(try parsed(["--", "--json"]).positionals, ["--json"])
        XCTAssertFalse(try parsed(["--json=false"]).flag("json"))
    }

    func testEnvironmentFillsOnlyAbsentOptions() throws {
        XCTAssertEqual(try parsed([], env: ["RCOM_PORT": "81"]).string("port"), "81")
        XCTAssertEqual(try parsed(["--port", "82"], env: ["RCOM_PORT": "81"]).string("port"), "82")
    }

    func testErrorsNameTheProblem() {
        XCTAssertThrowsError(try parsed(["--nope"])) { XCTAssertTrue("\($0)".contains("--nope")) }
        XCTAssertThrowsError(try parsed(["-z"])) { XCTAssertTrue("\($0)".contains("-z")) }
        XCTAssertThrowsError(try parsed(["--port"])) { XCTAssertTrue("\($0)".contains("needs a value")) }
        XCTAssertThrowsError(try parsed(["a", "b"])) { XCTAssertTrue("\($0)".contains("'b'")) }
        XCTAssertThrowsError(try parsed(["--k", "x"]).int("k")) { XCTAssertTrue("\($0)".contains("'x'")) }
        XCTAssertThrowsError(try parsed(["--k", "0"]).int("k", range: 1...10)) { XCTAssertTrue("\($0)".contains("between")) }
        XCTAssertThrowsError(try parsed(["--json=maybe"])) { XCTAssertTrue("\($0)".contains("flag")) }
    }

    func testHelpListsEveryOption() throws {
        guard case .help(let text) = try ArgumentParser.parse(["--help"], spec: Self.spec) else { return XCTFail() }
        for needle in ["-k, --k K", "--port PORT", "RCOM_PORT", "--json", "default: 30s", "--help"] {
            XCTAssertTrue(text.contains(needle), "help lacks \(needle):\n\(text)")
        }
    }

    func testDurations() {
        XCTAssertEqual(DurationText.milliseconds("500ms"), 500)
        XCTAssertEqual(DurationText.milliseconds("5s"), 5000)
        XCTAssertEqual(DurationText.milliseconds("1.5s"), 1500)
        XCTAssertEqual(DurationText.milliseconds("2m"), 120_000)
        XCTAssertEqual(DurationText.milliseconds("3"), 3000)
        XCTAssertEqual(DurationText.milliseconds("3", bareUnit: .milliseconds), 3)
        XCTAssertNil(DurationText.milliseconds("soon"))
        XCTAssertNil(DurationText.milliseconds("-1s"))
    }

    func testProgressBarMatchesSeedShape() {
        let bar = ProgressBar(total: 50, width: 10)
        XCTAssertEqual(bar.render(done: 50, elapsed_s: 1.2), "50 / 50 [==========] 100.00 % 1s")
        XCTAssertEqual(bar.render(done: 25, elapsed_s: 0), "25 / 50 [=====>    ] 50.00 % 0s")
    }

    func testProgressBarDrawsAFirstPassAheadOfTheWrites() {
        let bar = ProgressBar(total: 50, width: 10)
        XCTAssertEqual(bar.render(done: 10, elapsed_s: 0, ahead: 40), "10 / 50 [==>-----  ] 20.00 % 0s")
        XCTAssertEqual(bar.render(done: 0, elapsed_s: 0, ahead: 50), "0 / 50 [>---------] 0.00 % 0s")
        XCTAssertEqual(bar.render(done: 25, elapsed_s: 0, ahead: 5), "25 / 50 [=====>    ] 50.00 % 0s", "behind the writes: ignored")
        XCTAssertEqual(bar.render(done: 50, elapsed_s: 0, ahead: 50), "50 / 50 [==========] 100.00 % 0s")
    }
}

final class HelpLayoutTests: XCTestCase {
    /// Every option's help starts in the same column, the widest row's included.
    func testOptionHelpIsOneAlignedColumn() {
        let spec = CommandSpec(name: "x", summary: "s", usage: "x", options: [
            OptionSpec("a", short: "a", value: "N", help: "first"),
            OptionSpec("window", value: "LINES", help: "widest"),
            OptionSpec("json", help: "flag"),
        ])
        let rows = spec.helpText.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.contains("--") }
        XCTAssertEqual(rows.count, 4)
        let columns = Set(rows.map { row -> Int in
            let text = String(row)
            let help = ["first", "widest", "flag", "Show this help"].first { text.contains($0) }!
            return text.distance(from: text.startIndex, to: text.range(of: help)!.lowerBound)
        })
        XCTAssertEqual(columns.count, 1, spec.helpText)
    }
}
