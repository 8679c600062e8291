import CZlib

/// gzip through the system zlib (windowBits 15 + 16 selects the gzip wrapper). Level 6, not 9:
/// a proof block is mostly random hex, where level 9 took 1.7× the time for 0.25 % less
/// (1,000 jobs: 5.75 → 3.37 ms, 63,774 → 63,933 bytes; measured with zlib in Python).
public enum Gzip {
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var inputCopy = input
        let produced: Int = inputCopy.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = deflate(&stream, Z_FINISH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    /// Returns nil for data that is not a complete gzip stream or inflates past `outputBytesMax`
    /// (a proof is small; a decompression bomb must not exhaust memory).
    public static func decompress(_ input: [UInt8], outputBytesMax: Int = 8 << 20) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var inputCopy = input
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let ok: Bool = inputCopy.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let (rc, n): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return (rc, out.count - Int(stream.avail_out))
                }
                result.append(contentsOf: chunk.prefix(n))
                if result.count > outputBytesMax { return false }
                if rc == Z_STREAM_END { return true }
                if rc != Z_OK || (n == 0 && stream.avail_in == 0) { return false }
            }
        }
        return ok ? result : nil
    }
}
