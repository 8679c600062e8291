import Foundation
import XCTest

/// A server subcommand of the real binary, run as a child process: its port is read from the
/// first line it prints on stdout (the first `http://HOST:PORT` there), its stderr (the log) is
/// kept in a file, and `stop()` sends SIGTERM and waits for it to exit.
final class ServerProcess {
    let process = Process()
    let port: Int
    let announce: String
    private let stderrPath: String

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        stderrPath = NSTemporaryDirectory() + "rcom-server-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = RcomBinary.url
        process.arguments = arguments
        // Only what the test gives, plus PATH, HOME and TMPDIR (scripts/test gives the suite a
        // temporary directory of its own and checks it is left empty): no RCOM_* from the shell.
        var env = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "TMPDIR"].contains($0.key) }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        announce = Self.firstLine(of: out)
        guard let range = announce.range(of: #"http://[^:/ ]+:(\d+)"#, options: .regularExpression),
              let colon = announce[range].lastIndex(of: ":"), let port = Int(announce[range][announce.index(after: colon)...]) else {
            process.terminate()
            throw NSError(domain: "rcom", code: 1, userInfo: [NSLocalizedDescriptionKey: "no port announced: \(announce)"])
        }
        self.port = port
    }

    /// What a child printed up to its first newline (or its end of output): the announce line
    /// a server prints once it listens.
    static func firstLine(of pipe: Pipe) -> String {
        var line = Data()
        while !line.contains(10) {
            let chunk = pipe.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Everything the server logged so far.
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: stderrPath)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: stderrPath)
    }
}

/// `promtool check metrics` (Debian's `prometheus` package): the format and naming lint that
/// Prometheus's own tooling applies. Missing promtool is a failure, not a skip: CI installs it
/// (scripts/lib-deps.sh), and a check that silently does not run checks nothing.
enum Promtool {
    static var path: String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return dirs.map { $0 + "/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// nil when the exposition passes; otherwise what promtool said (or that it is missing).
    static func problems(_ exposition: String) throws -> String? {
        guard let path else {
            return "promtool not found: install Debian's prometheus package (apt-get install prometheus; scripts/lib-deps.sh does it)"
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(exposition.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 && said.isEmpty ? nil : "promtool exit \(p.terminationStatus): \(said)"
    }
}

/// Samples of an exposition by series (`name{labels}` as written), for checking values.
enum Exposition {
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            out[String(line[..<space])] = Double(line[line.index(after: space)...]) ?? (line.hasSuffix("+Inf") ? .infinity : .nan)
        }
        return out
    }
}
