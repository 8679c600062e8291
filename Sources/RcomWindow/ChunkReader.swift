#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read(2) failure, with the errno text.
struct ReadFailure: Error {
    let message: String
}

/// Reads a file descriptor in large chunks into one buffer allocated up front, so the
/// streaming loop never allocates and makes one system call per `chunkBytes`.
final class ChunkReader {
    /// 1 MiB: big enough that syscall cost vanishes, small enough to stay in L2/L3 cache.
    static let chunkBytesDefault = 1 << 20

    private let fd: Int32
    private let buffer: UnsafeMutableBufferPointer<UInt8>

    init(fd: Int32, chunkBytes: Int = ChunkReader.chunkBytesDefault) {
        precondition(chunkBytes > 0, "chunk size must be positive")
        self.fd = fd
        buffer = .allocate(capacity: chunkBytes)
    }

    deinit { buffer.deallocate() }

    /// The next chunk, valid until the following call; nil at end of input.
    func next() throws(ReadFailure) -> UnsafeBufferPointer<UInt8>? {
        while true {
            let got = read(fd, buffer.baseAddress, buffer.count)
            if got > 0 { return UnsafeBufferPointer(rebasing: buffer[0..<got]) }
            if got == 0 { return nil }
            if errno == EINTR { continue }
            throw ReadFailure(message: String(cString: strerror(errno)))
        }
    }
}
