import Foundation

/// A file read in chunks of `chunkBytes` from a start offset up to a fixed end offset (the
/// fingerprinted size, so an append during the run is not half-read). The one read loop of the
/// line reader and the JSON record reader. Memory: one chunk.
final class ChunkedFile {
    static let chunkBytes = 1 << 20

    private let fd: Int32
    let endOffset: Int64
    /// Offset of the byte after the current chunk.
    private(set) var fileOffset: Int64
    private(set) var chunk: [UInt8] = []

    init(path: String, startOffset: Int64, endOffset: Int64) throws(ImportError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard lseek(fd, off_t(startOffset), SEEK_SET) == off_t(startOffset) else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .io("cannot seek to byte \(startOffset) of \(path): \(reason)")
        }
        self.endOffset = endOffset
        fileOffset = startOffset
    }

    deinit { close(fd) }

    /// Reads the next chunk into `chunk`; false at the end offset.
    func fill() throws(ImportError) -> Bool {
        let want = Int(min(Int64(Self.chunkBytes), endOffset - fileOffset))
        guard want > 0 else { return false }
        if chunk.count != want { chunk = [UInt8](repeating: 0, count: want) }
        var got = 0
        while got < want {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, want - got) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read input at byte \(fileOffset + Int64(got)): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            got += n
        }
        if got < want { chunk.removeSubrange(got...) }
        fileOffset += Int64(got)
        return got > 0
    }
}
