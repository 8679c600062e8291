import Foundation
import Glibc
import XCTest
import RcomCore
@testable import RcomJobs

/// The real `rcom` binary: every command has --help, and usage errors are one line, exit 2.
final class CommandLineTests: XCTestCase {
    static let commands = ["max", "jobserver", "jobserver verify", "jobclient", "proxy", "replay",
                           "blacklist", "blacklist generate", "send", "stats", "providers", "track"]

    func testTopLevelHelpListsEveryCommand() throws {
        let out = try RcomBinary.run(["--help"])
        XCTAssertEqual(out.status, 0)
        for c in Self.commands { XCTAssertTrue(out.stdout.contains("  \(c) "), "rcom --help lacks \(c)") }
        let none = try RcomBinary.run([])
        XCTAssertEqual(none.status, 2, "no command is a usage error")
        XCTAssertEqual(none.stdout, "", "a usage error prints nothing on stdout")
        XCTAssertEqual(none.stderr.split(separator: "\n").count, 1, "one line: \(none.stderr)")
        XCTAssertTrue(none.stderr.contains("no command given") && none.stderr.contains("rcom --help"), none.stderr)
    }

    func testEveryCommandHasHelpAndRejectsUnknownFlags() throws {
        for c in Self.commands {
            let words = c.split(separator: " ").map(String.init)
            let help = try RcomBinary.run(words + ["--help"])
            XCTAssertEqual(help.status, 0, c)
            XCTAssertTrue(help.stdout.contains("Usage: rcom \(c)"), "\(c) --help:\n\(help.stdout)")
            let bad = try RcomBinary.run(words + ["--no-such-flag"])
            XCTAssertEqual(bad.status, 2, c)
            XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, "\(c): \(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains("--no-such-flag"), c)
        }
    }

    func testUnknownCommandNamesTheValidOnes() throws {
        let out = try RcomBinary.run(["frobnicate"])
        XCTAssertEqual(out.status, 2)
        XCTAssertTrue(out.stderr.contains("unknown command 'frobnicate'") && out.stderr.contains("proxy"))
    }

    func testBadValuesAreNamed() throws {
        let cases: [([String], String)] = [
            (["proxy", "--upstream", "ftp://x"], "--upstream"),
            (["proxy", "--port", "99999"], "--port"),
            (["jobserver", "--hold", "forever"], "--hold"),
            (["jobserver", "--faults", "explode=1"], "unknown fault"),
            (["jobclient", "--jobs", "0"], "--jobs"),
            (["jobclient", "--deadline", "soon"], "--deadline"),
        ]
        for (args, needle) in cases {
            let out = try RcomBinary.run(args)
            XCTAssertEqual(out.status, 2, args.joined(separator: " "))
            XCTAssertTrue(out.stderr.contains(needle), "\(args): \(out.stderr)")
        }
    }

    func testVerifyReadsJobclientOutputFromStdin() throws {
        let secret = Array("cli-secret".utf8)
        let jobs = (0..<3).map { i -> ProofBlock.Job in
            let at = ISO8601.format(ms: 1_700_000_000_000 + Int64(i))
            return ProofBlock.Job(id: "a\(i)", startedAt: at, proof: JobProof.sign(secret: secret, id: "a\(i)", startedAt: at))
        }
        let output = "WORK SAMPLE RESULT: PASSED\n\nProof:\n" + ProofBlock(jobs: jobs).encoded() + "\n"
        let ok = try RcomBinary.run(["jobserver", "verify", "--secret", "cli-secret", "--jobs", "3", "-"], input: output)
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        XCTAssertTrue(ok.stdout.hasPrefix("VALID"))
        let wrong = try RcomBinary.run(["jobserver", "verify", "--secret", "other", "--jobs", "3", "-"], input: output)
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stdout.contains("not issued by this server"))
    }

    /// Out of file descriptors: the proxy must neither spin nor crash, and must serve again
    /// once descriptors are free.
    func testProxyOutOfDescriptorsPausesAcceptingWithoutSpinning() throws {
        let (proxy, port, _) = try RcomBinary.startServer(
            ["proxy", "--host", "127.0.0.1", "--port", "0", "--upstream", "http://127.0.0.1:9"], preamble: "ulimit -n 48")
        defer { kill(proxy.processIdentifier, SIGKILL); proxy.waitUntilExit() }
        // Hold more connections than the proxy has descriptors for.
        var held: [Int32] = []
        for _ in 0..<80 { if let fd = try? BlockingHTTP.connect(port: port, timeout_s: 2) { held.append(fd) } }
        XCTAssertGreaterThan(held.count, 40, "the kernel's backlog takes the extra connections")
        let cpuBefore = RcomBinary.cpuSeconds(proxy.processIdentifier)
        let windowStart = Date()
        // Watch CPU use over a window while the proxy cannot accept (a condition we measure
        // over time, not one we wait for).
        while Date().timeIntervalSince(windowStart) < 1.0 { usleep(50_000) }
        let cpuUsed = RcomBinary.cpuSeconds(proxy.processIdentifier) - cpuBefore
        XCTAssertLessThan(cpuUsed, 0.5, "a busy accept loop would burn a whole core")
        XCTAssertTrue(proxy.isRunning, "no crash")
        for fd in held { close(fd) }
        // Descriptors are free again: a new client is served.
        XCTAssertTrue(BlockingHTTP.eventually(within: 10) {
            (try? BlockingHTTP.get(port: port, path: "/healthz"))?.status == 200
        })
    }

    func testSigtermStopsServersCleanly() throws {
        let (server, _, _) = try RcomBinary.startServer(["jobserver", "--port", "0", "--secret", "x"])
        server.terminate()
        // Bounded wait: a server that ignores SIGTERM fails the test instead of hanging it.
        let exited = BlockingHTTP.eventually(within: 10) { !server.isRunning }
        if !exited { kill(server.processIdentifier, SIGKILL) }
        XCTAssertTrue(exited, "SIGTERM did not stop the server")
        server.waitUntilExit()
        XCTAssertEqual(server.terminationReason, .exit, "exited by itself, not killed by the signal")
        XCTAssertEqual(server.terminationStatus, 0)
    }
}
