import Foundation
import RcomBuildInfo

/// The servers' structured log: one line per record on stderr, as `text` or `json`
/// (`--log-format`), records above `--log-level` dropped, and with `--access-log` one line per
/// request.
///
/// One lock around the write: records come from the reactor thread and from worker threads,
/// and a line must reach the stream whole (a pipe only promises that up to 4 KiB per write).
public final class Logger: @unchecked Sendable {
    public let format: LogFormat
    public let level: LogLevel
    public let accessLog: Bool
    private let write: @Sendable (String) -> Void
    private let wallClock_ms: @Sendable () -> Int64
    private let lock = NSLock()

    public init(format: LogFormat = .text, level: LogLevel = .info, accessLog: Bool = false,
                write: @escaping @Sendable (String) -> Void = Logger.standardError,
                wallClock_ms: @escaping @Sendable () -> Int64 = Logger.systemWallClock_ms) {
        self.format = format
        self.level = level
        self.accessLog = accessLog
        self.write = write
        self.wallClock_ms = wallClock_ms
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level <= self.level }

    public func log(_ level: LogLevel, _ message: String, _ fields: LogFields = []) {
        guard isEnabled(level) else { return }
        emit(level, message, fields)
    }

    public func error(_ message: String, _ fields: LogFields = []) { log(.error, message, fields) }
    public func warn(_ message: String, _ fields: LogFields = []) { log(.warn, message, fields) }
    public func info(_ message: String, _ fields: LogFields = []) { log(.info, message, fields) }
    public func debug(_ message: String, _ fields: LogFields = []) { log(.debug, message, fields) }

    /// The first line a server writes: what runs, which build, and its settings.
    public func starting(_ component: String, _ fields: LogFields = []) {
        info("starting", [("component", .string(component)), ("version", .string(RcomBuild.version)),
                          ("commit", .string(RcomBuild.commit))] + fields)
    }

    /// A line a server writes on stdout, like the one once it listens (scripts and people wait
    /// for it to learn the port): the text as it is with `--log-format text`, and as one JSON record with
    /// `msg` that text with `--log-format json`, so that whatever reads the unit's output in
    /// that mode (a log shipper) reads JSON only. Not filtered by `--log-level`: it is the
    /// server's answer to being started, not a log record.
    public func announcement(_ line: String) -> String {
        switch format {
        case .text: line
        case .json: LogLine.format(.json, ts_ms: wallClock_ms(), level: .info, message: line, fields: [])
        }
    }

    /// One answered request (only with `--access-log`, whatever the level). The path is
    /// redacted (`Redaction.path`: tokens shortened, query dropped) and bounded; `status` 0
    /// means the connection ended before an answer.
    public func access(method: String, path: String, status: Int, duration_ns: UInt64, bytes: Int) {
        guard accessLog else { return }
        emit(.info, "request", [
            ("method", .string(String(method.prefix(16)))), ("path", .string(String(Redaction.path(path).prefix(256)))),
            ("status", .int(status)), ("duration_ms", .decimal(Double(duration_ns) / 1e6)), ("bytes", .int(bytes)),
        ])
    }

    private func emit(_ level: LogLevel, _ message: String, _ fields: LogFields) {
        let line = LogLine.format(format, ts_ms: wallClock_ms(), level: level, message: message, fields: fields) + "\n"
        lock.lock()
        defer { lock.unlock() }
        write(line)
    }

    public static let standardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    public static let systemWallClock_ms: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
