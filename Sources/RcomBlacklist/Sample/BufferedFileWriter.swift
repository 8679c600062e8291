import Foundation

/// Writes a file through a 1 MiB buffer, into `<path>.partial` renamed into place by `finish`,
/// so an interrupted generation never leaves a truncated file under the real name.
final class BufferedFileWriter {
    static let bufferBytes = 1 << 20
    let path: String
    private let temporary: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// The first write error; reported by `finish`, so callers write without a try per line.
    private var failure: ImportError?

    init(path: String) throws(ImportError) {
        self.path = path
        temporary = path + ".partial"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.bufferBytes)
    }

    deinit { close(fd) }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        guard buffer.count >= Self.bufferBytes, failure == nil else { return }
        do { try flush() } catch { failure = error }
    }

    private func flush() throws(ImportError) {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws(ImportError) {
        if let failure { throw failure }
        try flush()
        guard rename(temporary, path) == 0 else {
            throw .io("cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
