import RcomCore

/// Seeded mutations of fixture inputs for the model-versus-decoder test: byte edits biased
/// toward the bytes the grammar turns on (CR, LF, SP, HTAB, ":", ";", quotes, digits, CTLs).
/// The core's SeededEntropy (SplitMix64), never the clock, so a run is replayed exactly from its printed seed.
struct ConformanceMutator {
    private let entropy: SeededEntropy

    init(seed: UInt64) { entropy = SeededEntropy(seed: seed) }

    mutating func next() -> UInt64 { entropy.next64() }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    static let interesting: [UInt8] = [13, 10, 32, 9, 0x3A, 0x3B, 0x3D, 0x22, 0x5C, 0x2C, 0, 0x7F, 0x80, 0xFF,
                                       0x30, 0x31, 0x61, 0x41, 0x46, 0x2F, 0x2A, 0x0B]
    static let snippets: [[UInt8]] = [
        "\r\n", "\n", "\r", " ", ";", "=", "\"", ":", "0", "f", ",", "\t", "\\", "\r\n\r\n", "0\r\n\r\n",
        "chunked", "Content-Length: 1\r\n", "Transfer-Encoding: chunked\r\n", "Host: b\r\n", "Expect: 100-continue\r\n",
        "HTTP/1.1", "HTTP/2.0", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ";a=\"b\"", " ;x", "gzip, ",
    ].map { Array($0.utf8) }

    /// One to three edits of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0...below(3) {
            let at = below(b.count + 1)
            switch below(9) {
            case 0 where !b.isEmpty: b[min(at, b.count - 1)] = Self.interesting[below(Self.interesting.count)]
            case 1: b.insert(Self.interesting[below(Self.interesting.count)], at: at)
            case 2 where !b.isEmpty: b.remove(at: min(at, b.count - 1))
            case 3: b.insert(contentsOf: Self.snippets[below(Self.snippets.count)], at: at)
            case 4:   // a CRLF becomes a bare LF
                let crlfs = b.indices.dropLast().filter { b[$0] == 13 && b[$0 + 1] == 10 }
                if !crlfs.isEmpty { b.remove(at: crlfs[below(crlfs.count)]) }
            case 5:   // a line repeated
                let starts = [0] + b.indices.filter { b[$0] == 10 }.map { $0 + 1 }
                let s = starts[below(starts.count)]
                let e = b[s...].firstIndex(of: 10).map { $0 + 1 } ?? b.count
                b.insert(contentsOf: b[s..<e], at: e)
            case 6: b = Array(b.prefix(at))
            case 7 where !b.isEmpty: b[min(at, b.count - 1)] ^= UInt8(1 << below(8))
            default: b.insert(UInt8(truncatingIfNeeded: next()), at: at)
            }
        }
        return b
    }
}
