/// JSON text written straight into a byte buffer: the OTLP exporter encodes hundreds of spans
/// per request, and building each piece as a String first was most of its CPU (perf, 2026-12-07).
extension JSONText {
    /// `s` as a JSON string literal, appended to `out`. The escapes are `quote`'s (which calls
    /// this for any string that needs one): `\"`, `\\`, `\n`, `\r`, `\t`, other controls as
    /// `\u00xx`; everything else, UTF-8 included, is copied.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            out.append(0x22)
            if utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
                out.append(contentsOf: utf8)
            } else {
                for c in utf8 {
                    switch c {
                    case 0x22: out.append(0x5C); out.append(0x22)
                    case 0x5C: out.append(0x5C); out.append(0x5C)
                    case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                    case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                    case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                    case 0..<0x20:
                        out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigit(c >> 4), hexDigit(c & 0xF)])
                    default: out.append(c)
                    }
                }
            }
            out.append(0x22)
        }
    }

    /// An unsigned integer in decimal (digits made in a stack buffer, appended in one piece).
    public static func appendDecimal(_ n: UInt64, to out: inout [UInt8]) {
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { p in
            var v = n, i = 24
            repeat {
                i -= 1
                p[i] = 0x30 + UInt8(v % 10)
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[i...]))
        }
    }

    /// A signed integer in decimal.
    public static func appendDecimal(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(n.magnitude, to: &out)
    }

    /// A word as 16 lower-case hex digits (trace and span ids), appended in one piece.
    public static func appendHex(_ word: UInt64, to out: inout [UInt8]) {
        var buf: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &buf) { p in
            var w = word
            for i in stride(from: 15, through: 0, by: -1) {
                p[i] = hexDigit(UInt8(w & 0xF))
                w >>= 4
            }
            out.append(contentsOf: UnsafeRawBufferPointer(p))
        }
    }

    @inline(__always)
    static func hexDigit(_ d: UInt8) -> UInt8 { d < 10 ? 0x30 + d : 0x57 + d }
}
