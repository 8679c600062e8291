import RcomCore
import Foundation

/// Appends trace lines (design/trace-format.md) to a file. Buffered; flushed on close.
/// Recording is a debugging and testing aid: a write error stops recording, never the daemon.
public final class TraceRecorder {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var sequence: UInt64 = 0
    private(set) var failed = false
    public let path: String

    public init(path: String, component: String, config: [(String, String)]) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else {
            throw SocketError("cannot create trace file \(path)")
        }
        self.path = path
        handle = h
        append(TraceCodec.header(component: component, config: config))
    }

    func record(t_ns: UInt64, event: ReactorEvent, draws: [UInt64], effects: [ReactorEffect]) {
        sequence += 1
        append(TraceCodec.line(seq: sequence, t_ns: t_ns, event: event, draws: draws, effects: effects))
    }

    private func append(_ line: String) {
        guard !failed else { return }
        buffer.append(contentsOf: line.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty, !failed else { return }
        do { try handle.write(contentsOf: buffer) } catch { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() {
        flush()
        try? handle.close()
    }
}
