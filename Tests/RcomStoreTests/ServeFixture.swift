import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `rcom serve` and the provider simulator (`rcom providers`) as child processes on one
/// backend, with real sockets on kernel-chosen loopback ports, and a plain HTTP client.
final class ServeFixture {
    let b: BackendUnderTest
    private(set) var providers: Process?
    private(set) var providersPort = 0
    private var started: [Process] = []

    init(_ b: BackendUnderTest) throws {
        self.b = b
        let (p, line) = try Self.launch(["providers", "--port", "0", "--quiet"], out: b.path("providers.out"), err: b.path("providers.err"), expect: "providers: http://")
        providers = p
        started.append(p)
        providersPort = try Self.port(after: "http://127.0.0.1:", in: line)
    }

    deinit { stopAll() }

    func stopAll() {
        for p in started where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        started.removeAll()
    }

    /// The simulator stands in for every HTTP provider.
    var environment: [String: String] {
        ["RCOM_SLACK_WEBHOOK_URL": "http://127.0.0.1:\(providersPort)/slack/{target}", "RCOM_SMS_URL": "http://127.0.0.1:\(providersPort)",
         "RCOM_SMS_ACCOUNT_SID": "AC0001", "RCOM_SMS_AUTH_TOKEN": "tok-1", "RCOM_SMS_FROM": "+15550001111",
         "RCOM_WEBHOOK_URL": "http://127.0.0.1:\(providersPort)/webhook"]
    }

    /// Provider calls the simulator accepted on `channel` (its /metrics).
    func accepted(_ channel: String) throws -> Int {
        let r = try http("GET", "http://127.0.0.1:\(providersPort)/metrics")
        let prefix = "rcom_providers_accepted_total{channel=\"\(channel)\"} "
        guard let line = r.text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return -1 }
        return Int(line.dropFirst(prefix.count)) ?? -1
    }

    struct Instance {
        let process: Process
        let port: Int
        let errPath: String
        var url: String { "http://127.0.0.1:\(port)" }
        var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    }

    private var instances = 0

    func serve(_ extra: [String] = []) throws -> Instance {
        instances += 1
        let err = b.path("serve-\(instances).err")
        let (p, line) = try Self.launch(["serve", "--listen", "127.0.0.1:0", "--db", b.dbArgument, "--poll", "100ms"] + extra,
                                        out: b.path("serve-\(instances).out"), err: err, expect: "serve: http://", environment: environment)
        started.append(p)
        return Instance(process: p, port: try Self.port(after: "http://127.0.0.1:", in: line), errPath: err)
    }

    func rcom(_ args: [String], db: Bool = true) throws -> (status: Int32, stdout: String) {
        let (p, _) = try Self.launch(args + (db ? ["--db", b.dbArgument] : []), out: b.path("cli.out"), err: b.path("cli.err"), expect: nil)
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: b.path("cli.out"), encoding: .utf8)) ?? "")
    }

    /// Starts rcom with stdout and stderr in files; with `expect`, waits (10 s at most) for a
    /// stdout line holding it and returns that line.
    static func launch(_ args: [String], out: String, err: String, expect: String?, environment: [String: String] = [:]) throws -> (Process, String) {
        // HOME is the test's own directory (next to `out`): whatever a child keeps there goes with it.
        let home = (out as NSString).deletingLastPathComponent
        let p = Process()
        p.executableURL = try rcomBinaryURL()
        p.arguments = args
        var env = ["PATH": "/usr/bin:/bin", "TMPDIR": NSTemporaryDirectory(), "HOME": home]
        env.merge(environment) { _, new in new }
        p.environment = env
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        guard let expect else { return (p, "") }
        var line = ""
        let seen = waitUntil(within: 10) {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            line = text.split(separator: "\n").first { $0.contains(expect) }.map(String.init) ?? ""
            return !line.isEmpty || !p.isRunning
        }
        guard seen, !line.isEmpty else {
            throw ServeSetupFailure("rcom \(args.first ?? "") did not start: " + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? ""))
        }
        return (p, line)
    }

    static func port(after prefix: String, in line: String) throws -> Int {
        guard let r = line.range(of: prefix) else { throw ServeSetupFailure("no port in \(line)") }
        return Int(line[r.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    /// One request, synchronously (status 0: no answer, such as a connection refused).
    func http(_ method: String, _ url: String, key: String? = nil, headers: [String: String] = [:], body: String? = nil) throws -> Response {
        try Self.http(method, url, key: key, headers: headers, body: body.map { Data($0.utf8) })
    }

    static func http(_ method: String, _ url: String, key: String? = nil, headers: [String: String] = [:], body: Data? = nil) throws -> Response {
        var r = URLRequest(url: URL(string: url)!, timeoutInterval: 20)
        r.httpMethod = method
        if let key { r.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        r.httpBody = body
        final class Box: @unchecked Sendable { var response: Response? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: r) { data, response, _ in
            if let h = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (k, v) in h.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
                box.response = Response(status: h.statusCode, headers: headers, body: data ?? Data())
            }
            done.signal()
        }.resume()
        done.wait()
        return box.response ?? Response(status: 0, headers: [:], body: Data())
    }
}

/// Polls `condition` until it holds or the deadline passes (no fixed sleeps).
func waitUntil(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

/// A child that could not be started: the test fails with this (it is not skipped).
struct ServeSetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
