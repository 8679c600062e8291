import Foundation
import XCTest
import Glibc
import RcomCore
@testable import RcomJobs

/// Three real `rcom proxy` processes behind a real nginx (Debian's package), configured from
/// deploy/nginx/rcom.conf.template: clients spread by nginx, callbacks routed by
/// /callback/<instance>/ to the instance holding the client, a dead instance failing only its
/// own clients, an unknown instance answered 404. nginx missing is a failure, not a skip: CI
/// installs it (scripts/lib-deps.sh).
final class ScaleOutNginxTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// nginx in the foreground with a temporary prefix; stop() (or deinit) ends it and removes the prefix.
    final class Nginx {
        let process = Process()
        let port: Int
        let prefix: String

        static var path: String? {
            let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
                + ["/usr/sbin", "/usr/local/sbin", "/usr/bin"]
            return dirs.map { $0 + "/nginx" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        /// `instances`: (id, port) of proxies on 127.0.0.1; nginx listens on 127.0.0.1:port.
        init(port: Int, instances: [(String, Int)]) throws {
            guard let path = Self.path else {
                throw Failure(description: "nginx not found: install Debian's nginx package (apt-get install nginx; scripts/lib-deps.sh does it)")
            }
            self.port = port
            prefix = NSTemporaryDirectory() + "rcom-nginx-\(UUID().uuidString)"
            for dir in ["temp", "logs"] {
                try FileManager.default.createDirectory(atPath: prefix + "/" + dir, withIntermediateDirectories: true)
            }
            var conf = try String(contentsOf: ScaleOutNginxTests.root.appendingPathComponent("deploy/nginx/rcom.conf.template"), encoding: .utf8)
            let fill = [
                "@LISTEN@": "127.0.0.1:\(port)",
                "@POOL_SERVERS@": instances.map { "        server 127.0.0.1:\($0.1) max_fails=1 fail_timeout=5s;" }.joined(separator: "\n"),
                "@INSTANCE_UPSTREAMS@": instances.map { "    upstream rcom_\($0.0) { server 127.0.0.1:\($0.1); keepalive 16; }" }.joined(separator: "\n"),
                "@INSTANCE_MAP@": instances.map { "        \($0.0) rcom_\($0.0);" }.joined(separator: "\n"),
                "@ACCESS_LOG@": "    access_log off;",
            ]
            for (key, value) in fill { conf = conf.replacingOccurrences(of: key, with: value) }
            XCTAssertFalse(conf.split(separator: "\n").contains { $0.hasPrefix("@") && $0.hasSuffix("@") }, "a placeholder left unfilled")
            try conf.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: path)
            // Workers run as root when the tests do: they must read the prefix (mode 700).
            let user = geteuid() == 0 ? " user root;" : ""
            process.arguments = ["-p", prefix + "/", "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log",
                                 "-g", "daemon off; pid \(prefix)/nginx.pid; error_log \(prefix)/error.log warn;\(user)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let up = BlockingHTTP.eventually(within: 10) {
                process.isRunning && (try? BlockingHTTP.get(port: port, path: "/nginx-healthz"))?.status == 200
            }
            guard up else {
                let log = errorLog
                stop()
                throw Failure(description: "nginx did not start: \(log)")
            }
        }

        var errorLog: String { (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? "" }

        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: prefix)
        }

        deinit { stop() }
    }

    /// A job server in process, `count` proxies as processes (p1, p2, ...) and nginx in front.
    final class Front {
        let jobServer: TestServer<JobServerPipeline>
        var instances: [ServerProcess] = []
        let nginx: Nginx

        init(count: Int, job_ms: Int64, hold: HandlerHold, proxyArguments: [String] = []) throws {
            jobServer = try Fixtures.jobServer(job_ms: job_ms, hold: hold)
            // nginx cannot take port 0: a port the kernel just handed out and took back.
            let nginxPort = Fixtures.closedPort()
            var ids: [(String, Int)] = []
            for k in 1...count {
                let port = Fixtures.closedPort()
                let p = try ServerProcess(["proxy", "--host", "127.0.0.1", "--port", "\(port)", "--instance", "p\(k)",
                                           "--upstream", "http://127.0.0.1:\(jobServer.port)",
                                           "--public-url", "http://127.0.0.1:\(nginxPort)"] + proxyArguments)
                instances.append(p)
                ids.append(("p\(k)", p.port))
            }
            nginx = try Nginx(port: nginxPort, instances: ids)
        }

        func stats(_ i: Int) throws -> [String: Any] {
            BlockingHTTP.json(try BlockingHTTP.get(port: instances[i].port, path: "/stats"))
        }

        func stop() {
            nginx.stop()
            for p in instances { p.stop() }
            _ = jobServer.stop()
        }
    }

    /// Runs the in-process jobclient through nginx on its own thread; `wait()` returns its report.
    final class ClientRun: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var report: JobClientReport?

        init(port: Int, account: String, jobs: Int) {
            Thread.detachNewThread { [self] in
                report = Fixtures.runClient(port: port, account: account, jobs: jobs, deadline_ms: 20_000).0
                done.signal()
            }
        }

        func wait(seconds: Int = 30) throws -> JobClientReport {
            guard done.wait(timeout: .now() + .seconds(seconds)) == .success, let report else {
                throw Failure(description: "the jobclient did not finish within \(seconds) s")
            }
            return report
        }
    }

    private func assertSpreadAndPassed(_ front: Front, accounts: [String], jobsEach: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let runs = accounts.map { ClientRun(port: front.nginx.port, account: $0, jobs: jobsEach) }
        for (account, run) in zip(accounts, runs) {
            let report = try run.wait()
            XCTAssertEqual(report.succeeded, jobsEach, "\(account): \(report.failures.prefix(5))", file: file, line: line)
            XCTAssertTrue(report.failures.isEmpty, file: file, line: line)
        }
        // least_conn spread the waiting clients over every instance, and each delivered its callbacks.
        for i in front.instances.indices {
            let s = try front.stats(i)
            XCTAssertGreaterThan(s["jobs_delivered"] as? Int ?? 0, 0, "instance p\(i + 1) served no job: \(s)", file: file, line: line)
            XCTAssertEqual(s["callbacks_unknown"] as? Int, 0, "a callback reached the wrong instance", file: file, line: line)
        }
    }

    func testJobclientPassesThroughNginxWithHoldRequest() throws {
        let front = try Front(count: 3, job_ms: 300, hold: .request)
        defer { front.stop() }
        try assertSpreadAndPassed(front, accounts: ["a1", "a2", "a3"], jobsEach: 30)
    }

    /// One connection per account at the job server: the instances take turns with each
    /// account's single handler by releasing it when idle (--upstream-idle-release).
    func testJobclientPassesThroughNginxWithHoldConnection() throws {
        let front = try Front(count: 3, job_ms: 150, hold: .connection, proxyArguments: ["--upstream-idle-release", "20ms"])
        defer { front.stop() }
        try assertSpreadAndPassed(front, accounts: ["shared", "other"], jobsEach: 30)
        XCTAssertGreaterThan((0..<3).compactMap { try? front.stats($0)["upstream_idle_releases"] as? Int }.reduce(0, +), 0)
    }

    func testKill9OfOneInstanceFailsOnlyItsClientsAndNginxAnswersItsCallbacks() throws {
        let front = try Front(count: 3, job_ms: 3_000, hold: .request)
        defer { front.stop() }
        let jobs = 30
        let run = ClientRun(port: front.nginx.port, account: "k", jobs: jobs)
        XCTAssertTrue(try BlockingHTTP.eventually(within: 10) {
            try (0..<3).map { try front.stats($0)["clients_waiting"] as? Int ?? 0 }.reduce(0, +) == jobs
        }, "every job waiting for its callback")
        let onVictim = try XCTUnwrap(front.stats(1)["clients_waiting"] as? Int)
        XCTAssertGreaterThan(onVictim, 0)
        let killed = Date()
        kill(front.instances[1].process.processIdentifier, SIGKILL)
        front.instances[1].process.waitUntilExit()

        // A callback for the dead instance: nginx answers at once.
        let sent = Date()
        let callback = try BlockingHTTP.post(port: front.nginx.port, path: "/callback/p2/some-token", json: #"{"id":"x"}"#, timeout_s: 5)
        XCTAssertEqual(callback.status, 502, String(decoding: callback.body, as: UTF8.self))
        XCTAssertLessThan(Date().timeIntervalSince(sent), 2)

        let report = try run.wait()
        XCTAssertEqual(report.failures.count, onVictim, "only the killed instance's clients fail: \(report.failures)")
        XCTAssertEqual(report.succeeded, jobs - onVictim)
        XCTAssertTrue(report.failures.allSatisfy { $0.contains("HTTP 502") }, "\(report.failures)")
        // The others' jobs took their 3 s; the killed instance's clients were told long before.
        XCTAssertLessThan(Date().timeIntervalSince(killed), 10)
    }

    func testCallbackForAnUnknownInstanceIsAnswered404NotHung() throws {
        let front = try Front(count: 3, job_ms: 150, hold: .request)
        defer { front.stop() }
        for path in ["/callback/p9/some-token", "/callback/some-token", "/callback/p1/../p2/x"] {
            let sent = Date()
            let r = try BlockingHTTP.post(port: front.nginx.port, path: path, json: #"{"id":"x"}"#, timeout_s: 5)
            XCTAssertEqual(r.status, 404, "\(path): \(String(decoding: r.body, as: UTF8.self))")
            XCTAssertLessThan(Date().timeIntervalSince(sent), 2, path)
        }
        let r = try BlockingHTTP.post(port: front.nginx.port, path: "/callback/p9/t", json: "{}", timeout_s: 5)
        XCTAssertTrue(String(decoding: r.body, as: UTF8.self).contains("no such rcom proxy instance"))
        // A token of a live instance reaches that instance, which does not know it: its own 404.
        let known = try BlockingHTTP.post(port: front.nginx.port, path: "/callback/p1/not-a-token", json: "{}", timeout_s: 5)
        XCTAssertEqual(known.status, 404)
        XCTAssertEqual(try front.stats(0)["callbacks_unknown"] as? Int, 1)
    }

    /// issue 28: at a reload nginx's old workers close their kept-alive client connections, and
    /// a callback written on one just then is lost unless its sender retries (a job server may
    /// not). So nginx answers each callback with "Connection: close" and closes: no callback
    /// connection is ever kept alive for a reload to close under the next one.
    func testNginxClosesACallbackConnectionAfterItsAnswer() throws {
        let front = try Front(count: 3, job_ms: 150, hold: .request)
        defer { front.stop() }
        let fd = try BlockingHTTP.connect(port: front.nginx.port, timeout_s: 5)
        defer { close(fd) }
        BlockingHTTP.send(fd, BlockingHTTP.request("POST", "/callback/p1/not-a-token", body: "{}"))
        let r = try BlockingHTTP.readResponse(fd)
        XCTAssertEqual(r.status, 404, "the instance answered (it does not know the token)")
        XCTAssertEqual(r.headers["connection"]?.lowercased(), "close")
        var byte: UInt8 = 0
        XCTAssertEqual(read(fd, &byte, 1), 0, "nginx closed the connection after the answer (errno \(errno))")
        // Jobs are not affected: clients' connections stay kept alive.
        let fd2 = try BlockingHTTP.connect(port: front.nginx.port, timeout_s: 5)
        defer { close(fd2) }
        BlockingHTTP.send(fd2, BlockingHTTP.request("GET", "/healthz"))
        XCTAssertNotEqual(try BlockingHTTP.readResponse(fd2).headers["connection"]?.lowercased(), "close")
    }
}
