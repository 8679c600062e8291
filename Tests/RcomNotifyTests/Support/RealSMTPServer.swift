import Foundation
import XCTest

/// A real SMTP server for the tests: scripts/smtp-test-server.py (aiosmtpd) as a child process
/// on a kernel-chosen loopback port, with STARTTLS or implicit TLS, AUTH, and scripted refusals.
/// Accepted messages land as JSON files in `outDir`. Stopped by closing its stdin.
final class RealSMTPServer {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = "/usr/bin/python3"

    let process = Process()
    let port: Int
    let outDir: String
    private let stdin = Pipe()

    struct Message {
        let json: [String: Any]
        var mailFrom: String { json["mail_from"] as? String ?? "" }
        var mailOptions: [String] { json["mail_options"] as? [String] ?? [] }
        var recipients: [String] { json["rcpt_tos"] as? [String] ?? [] }
        var user: String? { json["user"] as? String }
        var tls: Bool { json["tls"] as? Bool ?? false }
        var subject: String { json["subject"] as? String ?? "" }
        var from: String { json["from"] as? String ?? "" }
        var body: String { json["body"] as? String ?? "" }
        var defects: [String] { json["defects"] as? [String] ?? [] }
        var raw: [UInt8] { Array(Data(base64Encoded: json["data"] as? String ?? "") ?? Data()) }
    }

    init(dir: String, _ arguments: [String]) throws {
        outDir = dir + "/out-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.root.appendingPathComponent("scripts/smtp-test-server.py").path, "--out-dir", outDir] + arguments
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        let errorPath = dir + "/server-\(UUID().uuidString.prefix(8)).err"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
        // The first line is {"port": N}; EOF first means it did not start (its stderr says why).
        var line = Data()
        while !line.contains(10) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let port = object["port"] as? Int else {
            process.waitUntilExit()
            let why = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw SetupFailure("the test SMTP server did not start (is python3-aiosmtpd installed? scripts/lib-deps.sh installs it): \(why.suffix(600))")
        }
        self.port = port
    }

    /// Closes its stdin and waits (bounded) for it to exit.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    deinit { stop() }

    var messages: [Message] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: outDir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let d = FileManager.default.contents(atPath: "\(outDir)/\(name)"),
                  let j = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return nil }
            return Message(json: j)
        }
    }
}

/// A private CA, a server certificate it signed for localhost and 127.0.0.1, and a second,
/// untrusted CA's certificate for the same names, made with the openssl command in `dir`.
struct TestCertificates {
    let caFile: String
    let serverCert: String
    let serverKey: String
    let untrustedCert: String
    let untrustedKey: String
    /// Signed by the trusted CA for mail.example.test only (no 127.0.0.1, no localhost).
    let otherNameCert: String
    let otherNameKey: String

    init(dir: String) throws {
        func openssl(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw SetupFailure("openssl \(args.first ?? "") failed with \(p.terminationStatus)") }
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: dir + "/server.ext", atomically: true, encoding: .utf8)
        for name in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + key + ["-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=rcom test \(name)"])
        }
        try "subjectAltName=DNS:mail.example.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: dir + "/other-name.ext", atomically: true, encoding: .utf8)
        for (name, ca, ext) in [("server", "ca", "server"), ("untrusted", "other-ca", "server"), ("other-name", "ca", "other-name")] {
            try openssl(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name == "other-name" ? "mail.example.test" : "localhost")"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
                         "-out", "\(name).pem", "-days", "2", "-extfile", "\(ext).ext"])
        }
        caFile = dir + "/ca.pem"
        serverCert = dir + "/server.pem"
        serverKey = dir + "/server.key"
        untrustedCert = dir + "/untrusted.pem"
        untrustedKey = dir + "/untrusted.key"
        otherNameCert = dir + "/other-name.pem"
        otherNameKey = dir + "/other-name.key"
    }
}

/// A fixture that could not be made: the test fails with this (it is not skipped).
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One `rcom` run as a child process: exit status, stdout, stderr (through files, so neither
/// pipe can fill and block it), and how long it took.
struct RcomRun {
    let status: Int32
    let stdout: String
    let stderr: String
    let seconds: Double
    var output: String { stdout + stderr }

    /// Runs `rcom arguments` with only PATH, HOME, TMPDIR and `environment` set (no RCOM_* or
    /// SSL_* variable leaks in from the test runner's environment).
    static func run(_ arguments: [String], environment: [String: String], dir: String) throws -> RcomRun {
        let p = Process()
        p.executableURL = try rcomExecutable()
        p.arguments = arguments
        var env = ["PATH": "/usr/bin:/bin", "HOME": dir, "TMPDIR": NSTemporaryDirectory()]
        env.merge(environment) { _, new in new }
        p.environment = env
        let tag = UUID().uuidString.prefix(8)
        let outPath = "\(dir)/rcom-\(tag).out", errPath = "\(dir)/rcom-\(tag).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        p.standardError = FileHandle(forWritingAtPath: errPath)
        p.standardInput = FileHandle.nullDevice
        let started = Date()
        try p.run()
        p.waitUntilExit()
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return RcomRun(status: p.terminationStatus, stdout: read(outPath), stderr: read(errPath), seconds: Date().timeIntervalSince(started))
    }

    /// The `rcom` SwiftPM built next to the test bundle.
    static func rcomExecutable() throws -> URL {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          Bundle(for: RealSMTPServer.self).bundleURL.deletingLastPathComponent()]
        for dir in candidates {
            let url = dir.appendingPathComponent("rcom")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw SetupFailure("no rcom binary next to the test bundle (\(candidates.map(\.path))); run swift build first")
    }
}
