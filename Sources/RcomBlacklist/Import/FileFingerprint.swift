import Foundation

/// Identity and shape of an input file, from one streaming pass: its size, a 64-bit FNV-style
/// hash of every byte (a word at a time, chunk boundaries included), and its line count (for the progress bar). A checkpoint is only resumed against
/// the file with the same fingerprint.
struct FileFingerprint: Sendable, Equatable {
    var size: Int64
    var hash: UInt64
    var lines: Int
    /// The first line without its newline (at most `firstLineBytesMax`), for format detection.
    var firstLine: [UInt8]
    /// Byte length of the first line including its newline: where data starts after a header.
    var firstLineLength: Int64
    /// The file's first bytes (at most `BounceFormatDetector.prefixBytes`), for format detection.
    var prefix: [UInt8] = []

    static let firstLineBytesMax = 64 * 1024

    var text: String { "\(size):\(String(hash, radix: 16))" }

    static func of(path: String) throws(ImportError) -> FileFingerprint {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var result = FileFingerprint(size: 0, hash: 0xcbf2_9ce4_8422_2325, lines: 0, firstLine: [], firstLineLength: -1)
        var lastByte: UInt8 = 0x0a
        while true {
            // Always whole buffers until the end, so the word hash sees the same alignment
            // however the kernel splits the reads.
            var n = 0
            while n < buffer.count {
                let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + n, $0.count - n) }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
                }
                if got == 0 { break }
                n += got
            }
            if n == 0 { break }
            buffer.withUnsafeBufferPointer { p in
                if result.size == 0 { result.prefix = Array(p[0..<min(n, BounceFormatDetector.prefixBytes)]) }
                if result.firstLineLength < 0 {
                    let end = p[0..<n].firstIndex(of: 0x0a) ?? n
                    let room = max(firstLineBytesMax - result.firstLine.count, 0)
                    result.firstLine.append(contentsOf: p[0..<min(end, room)])
                }
                var h = result.hash
                var lines = result.lines
                var i = 0
                if result.firstLineLength < 0, let nl = p[0..<n].firstIndex(of: 0x0a) {
                    result.firstLineLength = result.size + Int64(nl) + 1
                }
                // Eight bytes at a time: hash the word, count its newline bytes with the exact
                // zero-byte test (no borrow between bytes, unlike the classic haszero trick).
                let raw = UnsafeRawPointer(p.baseAddress!)
                while i + 8 <= n {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    h = (h ^ word) &* 0x100_0000_01b3
                    h ^= h >> 29
                    let v = word ^ 0x0a0a_0a0a_0a0a_0a0a
                    let nonzero = ((v & 0x7f7f_7f7f_7f7f_7f7f) &+ 0x7f7f_7f7f_7f7f_7f7f) | v
                    lines += (~nonzero & 0x8080_8080_8080_8080).nonzeroBitCount
                    i += 8
                }
                while i < n {
                    h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
                    if p[i] == 0x0a { lines += 1 }
                    i += 1
                }
                result.hash = h
                result.lines = lines
                lastByte = p[n - 1]
            }
            result.size += Int64(n)
        }
        if lastByte != 0x0a { result.lines += 1 }
        if result.firstLineLength < 0 { result.firstLineLength = result.size }
        if result.firstLine.last == 0x0d { result.firstLine.removeLast() }
        return result
    }
}
