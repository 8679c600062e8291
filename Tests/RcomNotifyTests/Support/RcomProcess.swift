import Foundation

/// Runs the built `rcom` executable as a child process (SwiftPM puts it next to the test
/// bundle), with an environment of only what the test gives (no stray RCOM_* from the shell).
enum RcomProcess {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
        var all: String { stdout + stderr }
    }

    final class Marker {}

    static var url: URL {
        let bundle = Bundle(for: Marker.self).bundleURL
        for dir in [bundle, bundle.deletingLastPathComponent()] where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("rcom").path) {
            return dir.appendingPathComponent("rcom")
        }
        return bundle.deletingLastPathComponent().appendingPathComponent("rcom")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], via launcher: [String] = []) throws -> Output {
        let p = Process()
        if launcher.isEmpty {
            p.executableURL = url
            p.arguments = arguments
        } else {
            // e.g. a shell that prepares something, then `exec "$0" "$@"` with rcom and its arguments.
            p.executableURL = URL(fileURLWithPath: launcher[0])
            p.arguments = Array(launcher.dropFirst()) + [url.path] + arguments
        }
        var env = ["PATH": "/usr/bin:/bin", "TMPDIR": NSTemporaryDirectory()]
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Both pipes drained at once: a child filling one while we wait on the other would block.
        final class Box: @unchecked Sendable { var data = Data() }
        let errData = Box()
        let errDone = DispatchSemaphore(value: 0)
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async {
            errData.data = errHandle.readDataToEndOfFile()
            errDone.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        errDone.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: errData.data, as: UTF8.self))
    }
}
