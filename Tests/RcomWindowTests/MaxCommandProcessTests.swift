import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `rcom` binary as a child process: the real argument parsing, stdin
/// streaming, file reading, output and exit codes.
final class MaxCommandProcessTests: XCTestCase {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        get throws {
            // swift test puts the test bundle next to the products it built.
            let bundle = Bundle(for: MaxCommandProcessTests.self).bundleURL
            let candidates = [bundle.deletingLastPathComponent().appendingPathComponent("rcom"),
                              bundle.appendingPathComponent("rcom")]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw XCTSkip("rcom binary not built next to the tests (looked at \(candidates.map(\.path)))")
            }
            return found
        }
    }

    func run(_ arguments: [String], stdin: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = try Self.binary
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self))
    }

    func testDefaultsUseTheSeedExample() throws {
        let outcome = try run(["max"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("using the example: rcom max -k 4 \"34,22,56,1,32,12,1,22,7\""), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("max sum of 4 consecutive numbers: 113\nwindow: positions 1-4 of 9"), outcome.stdout)
    }

    func testSeedCommandLineAndJSON() throws {
        let outcome = try run(["max", "-k", "4", "34,22,56,1,32,12,1,22,7", "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["max_sum"] as? Int, 113)
        XCTAssertEqual(object?["start"] as? Int, 1)
        XCTAssertEqual(object?["end"] as? Int, 4)
        XCTAssertNil(object?["default_input"])
    }

    func testNegativeNumbersAsSeparateArguments() throws {
        let outcome = try run(["max", "-k", "2", "-5", "-1,-3", "-2"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("max sum of 2 consecutive numbers: -4\nwindow: positions 2-3 of 4"), outcome.stdout)
    }

    func testUsageErrorsExitTwoAndNameTheProblem() throws {
        let cases: [([String], String?, String)] = [
            (["max", "-k", "0", "1,2"], nil, "k must be at least 1, got 0"),
            (["max", "-k", "-2", "1,2"], nil, "k must be at least 1, got -2"),
            (["max", "-k", "3", "1,2"], nil, "k = 3 is larger than the 2 numbers"),
            (["max", "-k", "10"], nil, "9-number example was used"),
            (["max", "-"], "", "holds no numbers"),
            (["max", "-k", "2", "1,2,x3,4"], nil, "token 3 on line 1, 'x3', is not a number"),
            (["max", "-k", "1", "-"], "1\n2\n3.1415926\n", "token 3 on line 3, '3.1415926', has more than 6 digits"),
            (["max", "--alarm", "lots", "1"], nil, "--alarm expects a number"),
            (["max", "--file", "/nonexistent/rcom-max"], nil, "cannot open --file '/nonexistent/rcom-max'"),
            (["max", "--file", "x", "1,2"], nil, "not both"),
            (["max", "-k", "four", "1"], nil, "-k expects a whole number"),
            (["max", "-k", "99999999999999999999", "1"], nil, "-k '99999999999999999999' is too large: the most it takes is 10000000"),
            (["max", "-k", "10000001", "1"], nil, "-k must be at most 10000000, got 10000001"),
        ]
        for (arguments, stdin, message) in cases {
            let outcome = try run(arguments, stdin: stdin)
            XCTAssertEqual(outcome.status, 2, "\(arguments)")
            XCTAssertTrue(outcome.stderr.contains(message), "\(arguments): \(outcome.stderr)")
        }
    }

    func testAlarmExitsFourAndListsWindows() throws {
        let outcome = try run(["max", "-k", "2", "--alarm", "28", "34,22,56,1,32,12,1,22,7"])
        XCTAssertEqual(outcome.status, 4, outcome.stderr)
        XCTAssertTrue(outcome.stdout.hasPrefix("alarm: positions 2-3 mean 39 > 28\nalarm: positions 3-4 mean 28.5 > 28\n"), outcome.stdout)
        let last = try run(["max", "-k", "1", "--alarm", "10", "1 50"])
        XCTAssertEqual(last.status, 4, "the window completed by the final token counts too")
        XCTAssertTrue(last.stdout.hasPrefix("alarm: positions 2-2 mean 50 > 10\n"), last.stdout)
        let quiet = try run(["max", "-k", "2", "--alarm", "100", "34,22,56"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
    }

    func testHelpStatesTheTieRuleAndDecimals() throws {
        let outcome = try run(["max", "--help"])
        XCTAssertEqual(outcome.status, 0)
        XCTAssertTrue(outcome.stdout.contains("Ties: the first window with the maximum sum wins"), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("up to 6 digits after"), outcome.stdout)
    }

    func testFileInputMatchesAStraightforwardComputation() throws {
        // A few MiB so the file crosses several read chunks with tokens cut at their edges.
        var rng = SeededGenerator(seed: 6)
        var values: [Int] = []
        var text = ""
        for _ in 0..<400_000 {
            let v = Int.random(in: -99_999...999_999, using: &rng)
            values.append(v)
            text += "\(v)\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rcom-max-\(getpid()).txt")
        try Data(text.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let k = 1000
        var sum = values[0..<k].reduce(0, +), best = sum, bestEnd = k
        for i in k..<values.count {
            sum += values[i] - values[i - k]
            if sum > best { best = sum; bestEnd = i + 1 }
        }
        let outcome = try run(["max", "-k", "\(k)", "--file", path.path])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains(": \(best)\nwindow: positions \(bestEnd - k + 1)-\(bestEnd) of 400000"), outcome.stdout)
    }

    /// Proves streaming: an alarm must come out while standard input is still open.
    func testStdinStreamsAlarmsBeforeEndOfInput() throws {
        let process = Process()
        process.executableURL = try Self.binary
        process.arguments = ["max", "-k", "2", "--alarm", "10", "-"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("5 30 ".utf8))
        let early = try readUntil(output.fileHandleForReading.fileDescriptor, contains: "\n", timeout_ms: 20_000)
        XCTAssertEqual(early, "alarm: positions 1-2 mean 17.5 > 10\n")
        input.fileHandleForWriting.write(Data("1 1".utf8))
        try input.fileHandleForWriting.close()
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 4)
        XCTAssertTrue(String(decoding: rest, as: UTF8.self).hasPrefix("alarm: positions 2-3 mean 15.5 > 10\n"))
    }

    /// Reads until `marker` appears, waiting with poll(2) so a hung child fails the test
    /// instead of hanging the suite.
    func readUntil(_ fd: Int32, contains marker: String, timeout_ms: Int32) throws -> String {
        var collected = Data()
        while !String(decoding: collected, as: UTF8.self).contains(marker) {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, timeout_ms) == 1 else {
                XCTFail("no output within \(timeout_ms) ms; got \(String(decoding: collected, as: UTF8.self).debugDescription)")
                return String(decoding: collected, as: UTF8.self)
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let got = read(fd, &buffer, buffer.count)
            guard got > 0 else { break }
            collected.append(contentsOf: buffer[0..<got])
        }
        return String(decoding: collected, as: UTF8.self)
    }
}
