import Foundation

/// Reads a file line by line in 64 KiB chunks, so a large batch is never all in memory.
/// A line over `lineBytesMax` is returned cut, with `truncated` set, rather than buffered whole.
public final class LineReader {
    public static let lineBytesMax = 64 * 1024
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    public private(set) var lineNumber = 0

    public init?(path: String) {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        handle = h
    }

    deinit { try? handle.close() }

    public func next() -> (line: String, truncated: Bool)? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 10) {
                let line = buffer[start..<nl]
                start = nl + 1
                return emit(line.last == 13 ? line.dropLast() : line)
            }
            // One byte more is allowed: it may be the CR of a CRLF whose LF is not read yet.
            if buffer.count - start > Self.lineBytesMax + 1 {
                let line = buffer[start..<(start + Self.lineBytesMax)]
                // Skip the rest of the overlong line.
                buffer.removeAll()
                start = 0
                skipToNewline()
                lineNumber += 1
                return (String(decoding: line, as: UTF8.self), true)
            }
            if eof {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return emit(line)
            }
            fill()
        }
    }

    /// A line's newline can arrive in the same read as up to two chunks of it; the bound must
    /// not depend on where the chunks fall.
    private func emit(_ line: ArraySlice<UInt8>) -> (line: String, truncated: Bool) {
        lineNumber += 1
        return (String(decoding: line.prefix(Self.lineBytesMax), as: UTF8.self), line.count > Self.lineBytesMax)
    }

    private func fill() {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = (try? handle.read(upToCount: 64 * 1024)) ?? nil
        if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { eof = true }
    }

    private func skipToNewline() {
        while !eof {
            fill()
            if let nl = buffer.firstIndex(of: 10) {
                start = nl + 1
                return
            }
            buffer.removeAll()
        }
    }
}
