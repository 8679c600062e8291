import Foundation

/// A `--batch` file's content identity, for its rows' idempotency keys: the size and a 64-bit
/// FNV-1a hash of every byte. The same bytes under another name are the same batch (a rerun);
/// an edited file is a new one.
struct BatchFileIdentity: Sendable, Equatable {
    var size: Int
    var hash: UInt64

    var text: String { "\(size):\(String(hash, radix: 16))" }

    /// Nil when the file cannot be read (the batch then fails on reading it anyway).
    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var size = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            for byte in chunk { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            size += chunk.count
        }
        self.size = size
        hash = h
    }
}
