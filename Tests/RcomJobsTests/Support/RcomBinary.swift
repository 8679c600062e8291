import Foundation
import XCTest

/// Runs the built `rcom` executable (SwiftPM puts it next to the test bundle).
enum RcomBinary {
    static var url: URL {
        // On Linux the test bundle's URL is its directory; elsewhere it is the .xctest itself.
        let candidates = [Bundle(for: Marker.self).bundleURL, Bundle(for: Marker.self).bundleURL.deletingLastPathComponent(),
                          Bundle.main.bundleURL]
        for dir in candidates where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("rcom").path) {
            return dir.appendingPathComponent("rcom")
        }
        return candidates[0].appendingPathComponent("rcom")
    }

    final class Marker {}

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs to completion with `input` on stdin.
    static func run(_ arguments: [String], input: String = "", environment: [String: String]? = nil) throws -> Output {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        inp.fileHandleForWriting.write(Data(input.utf8))
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts a server subcommand and returns it with the port from its "listening on" line.
    static func startServer(_ arguments: [String], preamble: String? = nil) throws -> (Process, Int, FileHandle) {
        let p = Process()
        if let preamble {
            // e.g. "ulimit -n 64": applied by a shell that then execs rcom.
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "\(preamble) && exec \"$0\" \"$@\"", url.path] + arguments
        } else {
            p.executableURL = url
            p.arguments = arguments
        }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var line = Data()
        while !line.contains(10) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        let afterAnnouncement = text.range(of: "listening on").map { $0.upperBound..<text.endIndex }
        guard let after = afterAnnouncement,
              let range = text.range(of: #":(\d+)"#, options: .regularExpression, range: after),
              let port = Int(text[range].dropFirst()) else {
            p.terminate()
            throw NSError(domain: "rcom", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not announce a port: \(text)"])
        }
        return (p, port, out.fileHandleForReading)
    }

    /// CPU seconds (user + system) a process has used so far.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (Double(fields[11]) ?? 0) / ticks + (Double(fields[12]) ?? 0) / ticks
    }
}
