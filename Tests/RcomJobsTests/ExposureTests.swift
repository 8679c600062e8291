import Foundation
import Glibc
import XCTest
import RcomCore
@testable import RcomReactor

/// Least exposure, on the real binary and real sockets: each listener serves only its roles,
/// every server listens on loopback unless told, and the job server is bounded like the proxy.
final class ExposureTests: XCTestCase {
    /// Every `http://127.0.0.1:PORT` of an announce line, in order.
    static func ports(_ announce: String) -> [Int] {
        let regex = try! NSRegularExpression(pattern: #"http://127\.0\.0\.1:(\d+)"#)
        return regex.matches(in: announce, range: NSRange(announce.startIndex..., in: announce)).compactMap {
            Range($0.range(at: 1), in: announce).flatMap { Int(announce[$0]) }
        }
    }

    static func status(_ method: String, port: Int, _ path: String, body: String = "") throws -> Int {
        let fd = try BlockingHTTP.connect(port: port)
        defer { close(fd) }
        BlockingHTTP.send(fd, BlockingHTTP.request(method, path, body: body))
        return try BlockingHTTP.readResponse(fd).status
    }

    func testEachProxyListenerServesOnlyItsRoles() throws {
        let js = try ServerProcess(["jobserver", "--port", "0", "--job-ms", "20", "--secret", "s"])
        defer { js.stop() }
        let proxy = try ServerProcess(["proxy", "--port", "0", "--callback-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                                       "--upstream", "http://127.0.0.1:\(js.port)"])
        defer { proxy.stop() }
        let p = Self.ports(proxy.announce)
        XCTAssertGreaterThanOrEqual(p.count, 3, proxy.announce)
        let (clients, callbacks, admin) = (p[0], p[1], p[2])
        XCTAssertEqual(Set([clients, callbacks, admin]).count, 3)
        let job = #"{"account":"a","wait":true}"#
        // A client request to the callback listener: 404, whatever it asks for.
        XCTAssertEqual(try Self.status("POST", port: callbacks, "/start", body: job), 404)
        XCTAssertEqual(try Self.status("GET", port: callbacks, "/callback/x/y"), 404)
        for path in ["/metrics", "/stats", "/healthz"] {
            XCTAssertEqual(try Self.status("GET", port: clients, path), 404, "\(path) on the clients' listener")
            XCTAssertEqual(try Self.status("GET", port: callbacks, path), 404, "\(path) on the callback listener")
            XCTAssertEqual(try Self.status("GET", port: admin, path), 200, "\(path) on the admin listener")
        }
        XCTAssertEqual(try Self.status("POST", port: admin, "/start", body: job), 404)
        XCTAssertEqual(try Self.status("POST", port: clients, "/callback/\(ProxyCommandInstance.of(proxy.announce))/00", body: "{}"), 404)
        // A callback is still a callback on its listener (an unknown token: 404 by token, JSON).
        let unknown = try BlockingHTTP.post(port: callbacks, path: "/callback/x/0123", json: #"{"id":"1"}"#)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertTrue(String(decoding: unknown.body, as: UTF8.self).contains("unknown callback token"))
        // End to end: the job's callback comes back through the callback listener.
        let answer = try BlockingHTTP.post(port: clients, path: "/start", json: job)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(BlockingHTTP.json(answer)["state"] as? String, "completed")
    }

    func testOneAddressForTwoRolesIsOneListener() throws {
        let probe = try BoundListener.open(host: "127.0.0.1", port: 0)
        let port = probe.port
        probe.close()
        let proxy = try ServerProcess(["proxy", "--port", "0", "--callback-listen", "127.0.0.1:\(port)", "--admin-listen", "127.0.0.1:\(port)",
                                       "--upstream", "http://127.0.0.1:9"])
        defer { proxy.stop() }
        XCTAssertTrue(proxy.announce.contains("callbacks+admin on http://127.0.0.1:\(port)"), proxy.announce)
        XCTAssertEqual(try Self.status("GET", port: port, "/metrics"), 200)
        XCTAssertEqual(try Self.status("POST", port: port, "/start", body: #"{"account":"a","wait":true}"#), 404)
        XCTAssertEqual(try Self.status("GET", port: proxy.port, "/metrics"), 404)
    }

    func testTrackAdminListenerKeepsMetricsOffTheLinks() throws {
        let dir = NSTemporaryDirectory() + "rcom-exposure-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let track = try ServerProcess(["track", "--port", "0", "--admin-listen", "127.0.0.1:0", "--db", dir + "/db.sqlite"])
        defer { track.stop() }
        let p = Self.ports(track.announce)
        XCTAssertEqual(p.count, 2, track.announce)
        XCTAssertEqual(try Self.status("GET", port: p[0], "/metrics"), 404)
        XCTAssertEqual(try Self.status("GET", port: p[0], "/healthz"), 404)
        XCTAssertEqual(try Self.status("GET", port: p[0], "/e/n0123456789abcdef"), 404, "an unknown notification")
        XCTAssertEqual(try Self.status("GET", port: p[1], "/metrics"), 200)
        XCTAssertEqual(try Self.status("GET", port: p[1], "/e/n0123456789abcdef"), 404)
    }

    /// Bound to 127.0.0.1 itself, not the wildcard: 127.0.0.2 (loopback too) is refused.
    static func assertLoopbackOnly(_ port: Int, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        for (host, reachable) in [("127.0.0.1", true), ("127.0.0.2", false)] {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let rc = SocketAddress.numeric(host, port: port)!.withSockaddr { Glibc.connect(fd, $0, $1) }
            let refused = rc != 0 && errno == ECONNREFUSED
            close(fd)
            XCTAssertEqual(rc == 0, reachable, "\(name) on \(host):\(port)", file: file, line: line)
            if !reachable { XCTAssertTrue(refused, "\(name): \(host) must be refused", file: file, line: line) }
        }
    }

    func testEveryServerListensOnLoopbackByDefault() throws {
        let dir = NSTemporaryDirectory() + "rcom-exposure-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let servers: [(String, [String])] = [
            ("jobserver", ["jobserver", "--port", "0", "--secret", "s"]),
            ("proxy", ["proxy", "--port", "0", "--upstream", "http://127.0.0.1:9"]),
            ("track", ["track", "--port", "0", "--db", dir + "/db.sqlite"]),
            ("providers", ["providers", "--port", "0", "--quiet"]),
        ]
        for (name, args) in servers {
            let s = try ServerProcess(args)
            XCTAssertTrue(s.announce.contains("http://127.0.0.1:"), "\(name): \(s.announce)")
            Self.assertLoopbackOnly(s.port, name)
            XCTAssertFalse(s.log.contains("listening beyond this machine"), "\(name): \(s.log)")
            XCTAssertEqual(s.stop(), 0, name)
        }
        // An address beyond loopback is taken, and said at start.
        let open = try ServerProcess(["proxy", "--host", "0.0.0.0", "--port", "0", "--upstream", "http://127.0.0.1:9"])
        defer { open.stop() }
        XCTAssertTrue(BlockingHTTP.eventually { open.log.contains("listening beyond this machine: 0.0.0.0:\(open.port) serves job starts on any account") }, open.log)
    }

    func testJobServerClosesASlowlorisAfterItsHeaderTimeout() throws {
        let js = try ServerProcess(["jobserver", "--port", "0", "--secret", "s", "--header-timeout", "1s"])
        defer { js.stop() }
        let fd = try BlockingHTTP.connect(port: js.port, timeout_s: 20)
        defer { close(fd) }
        let started = Date()
        _ = Array("POST /start HTTP/1.1\r\nHost: j\r\nContent-Len".utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let answer = BlockingHTTP.readAll(fd)   // until the server closes (or the 20 s receive timeout)
        let waited = Date().timeIntervalSince(started)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 408 "), answer)
        XCTAssertGreaterThanOrEqual(waited, 0.9)
        XCTAssertLessThan(waited, 5, "closed \(waited) s after a half-sent request with a 1 s header timeout")
    }

    func testJobServerAnswers503PastItsConnectionBudget() throws {
        let js = try ServerProcess(["jobserver", "--port", "0", "--secret", "s", "--max-connections", "2", "--job-ms", "60000"])
        defer { js.stop() }
        // Two connections being served (jobs of a minute): neither may be closed to make room.
        var busy: [Int32] = []
        defer { busy.forEach { close($0) } }
        for account in ["a", "b"] {
            let fd = try BlockingHTTP.connect(port: js.port)
            BlockingHTTP.send(fd, BlockingHTTP.request("POST", "/start", body: #"{"account":"\#(account)","wait":true}"#))
            busy.append(fd)
        }
        let third = try BlockingHTTP.connect(port: js.port)
        defer { close(third) }
        BlockingHTTP.send(third, BlockingHTTP.request("GET", "/healthz"))
        let refused = try BlockingHTTP.readResponse(third)
        XCTAssertEqual(refused.status, 503)
        XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("job server at its connection limit (2 clients)"))
    }
}

/// The proxy's default instance name, from its announce line (`HOST-PORT`, dots as dashes).
enum ProxyCommandInstance {
    static func of(_ announce: String) -> String {
        let port = ExposureTests.ports(announce).first ?? 0
        return "127-0-0-1-\(port)"
    }
}
