extension JSONTape {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether none of the 8 bytes of `w` ends or escapes a string or needs a closer look: no
    /// quote, no backslash, no control character, nothing above 0x7F. Bit tricks on the word
    /// (Hacker's Delight §6-1; "haszero"/"hasless" are exact as a yes/no over all bytes).
    @inline(__always)
    static func isPlain(_ w: UInt64) -> Bool {
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (w &- ones &* 0x20) & ~w
        return (hasQuote | hasBackslash | hasControl | w) & highs == 0
    }

    /// Whether none of the 8 bytes of `w` is a quote, a backslash or a control character: what
    /// `JSONRecordScanner` looks for inside a string (it leaves UTF-8 to the strict reader).
    @inline(__always)
    public static func isStringFiller(_ w: UInt64) -> Bool {
        let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (w &- ones &* 0x20) & ~w
        return (hasQuote | hasBackslash | hasControl) & highs == 0
    }

    /// The length of the well-formed UTF-8 sequence at `k` (RFC 3629 §4: no overlongs, no
    /// surrogates, nothing above U+10FFFF), or nil. The one check for both strict readers
    /// (`JSONReader` over an array, `JSONTape` over a buffer).
    static func utf8Length<Bytes: RandomAccessCollection>(_ b: Bytes, at k: Int) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        let c = b[k]
        func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            k + j < b.count && b[k + j] >= lo && b[k + j] <= hi
        }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }

    /// Decodes the inside of a string already validated (no quotes in `inner`), appending the
    /// UTF-8 to `out`: `JSONReader.decodeString`'s rules.
    static func appendDecoded(_ b: UnsafeBufferPointer<UInt8>, _ inner: Range<Int>, to out: inout [UInt8]) {
        var k = inner.lowerBound
        while k < inner.upperBound {
            guard b[k] == UInt8(ascii: "\\") else { out.append(b[k]); k += 1; continue }
            let e = b[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var v: UInt32 = 0
                for j in k..<(k + 4) { v = v << 4 | JSONReader.hexValue(b[j])! }
                k += 4
                if v >= 0xD800 && v <= 0xDBFF {
                    var low: UInt32 = 0
                    for j in (k + 2)..<(k + 6) { low = low << 4 | JSONReader.hexValue(b[j])! }
                    k += 6
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Unicode.Scalar(v)!).utf8)
            default: out.append(e)  // " \ /
            }
        }
    }
}
