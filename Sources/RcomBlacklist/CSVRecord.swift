#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits one CSV line (RFC 4180, without embedded newlines) into unquoted field bytes.
enum CSVRecord {
    enum Failure: Error { case unterminatedQuote }

    /// Fields of `line`; a field with a stray or unterminated quote is kept as far as it goes.
    /// Used for the header, where speed does not matter.
    static func fields(of line: [UInt8]) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        line.withUnsafeBufferPointer { p in
            var start = 0
            while start <= p.count {
                var field: [UInt8] = []
                let end = (try? scanField(p, from: start, into: &field)) ?? p.count
                fields.append(field)
                start = end + 1
            }
        }
        return fields
    }

    /// Reads the field starting at `from` into `out` (unquoted, `""` unescaped) and returns the
    /// index of the comma that ends it, or `p.count` at the end of the line.
    static func scanField(_ p: UnsafeBufferPointer<UInt8>, from: Int, into out: inout [UInt8]) throws(Failure) -> Int {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        var i = from
        // Blanks before an opening quote are tolerated; providers pad their columns.
        var j = i
        while j < p.count, p[j] == 0x20 || p[j] == 0x09 { j += 1 }
        guard j < p.count, p[j] == quote else {
            while i < p.count, p[i] != comma { out.append(p[i]); i += 1 }
            return i
        }
        i = j + 1
        while true {
            guard i < p.count else { throw .unterminatedQuote }
            if p[i] == quote {
                if i + 1 < p.count, p[i + 1] == quote { out.append(quote); i += 2; continue }
                i += 1
                break
            }
            out.append(p[i])
            i += 1
        }
        while i < p.count, p[i] != comma { i += 1 }
        return i
    }

    /// Where the field starting at `from` lies, without copying it: `content` is the text inside
    /// any quotes, `escaped` says it contains `""` (then `scanField` must produce the text), and
    /// `end` is the index of the comma after the field, or `p.count`.
    struct FieldBounds {
        var content: Range<Int>
        var escaped: Bool
        var end: Int
    }

    static func bounds(_ p: UnsafeBufferPointer<UInt8>, from: Int) throws(Failure) -> FieldBounds {
        let quote = UInt8(ascii: "\"")
        var j = from
        while j < p.count, p[j] == 0x20 || p[j] == 0x09 { j += 1 }
        guard j < p.count, p[j] == quote else {
            let i = commaOrEnd(p, from: from)
            return FieldBounds(content: from..<i, escaped: false, end: i)
        }
        var i = j + 1
        var escaped = false
        while true {
            guard i < p.count else { throw .unterminatedQuote }
            if p[i] == quote {
                if i + 1 < p.count, p[i + 1] == quote { escaped = true; i += 2; continue }
                break
            }
            i += 1
        }
        let content = (j + 1)..<i
        i = commaOrEnd(p, from: i + 1)
        return FieldBounds(content: content, escaped: escaped, end: i)
    }

    /// The index of the next comma at or after `from`, or `p.count`: memchr, since this scans
    /// most bytes of every input line.
    @inline(__always)
    static func commaOrEnd(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard from < p.count, let base = p.baseAddress,
              let hit = memchr(base + from, 0x2c, p.count - from) else { return max(from, p.count) }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }
}
