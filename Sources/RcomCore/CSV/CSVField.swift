#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one CSV field reader (RFC 4180 fields of one line: quoted fields hold commas and doubled
/// quotes, never a line break), on bytes, for both users: `rcom send --batch` (`CSVLine`) and
/// `rcom blacklist` (its providers' exports). They differ in one policy only:
///
/// * `.strict` (batch files, written by the user): a quote may only open a field; after the
///   closing quote only a comma or the end may follow. Anything else is an error at its offset,
///   so that a mistake is shown rather than guessed at.
/// * `.lenient` (providers' exports, read as they are): blanks before an opening quote are
///   skipped (providers pad their columns), text between a closing quote and the comma is
///   dropped, and a quote inside an unquoted field is an ordinary byte.
///
/// An unterminated quote is an error under both.
public enum CSVField {
    public enum Policy: Sendable { case strict, lenient }

    /// Why a line is not a record; offsets are byte offsets into the line.
    public enum Failure: Error, Equatable, Sendable {
        case unterminatedQuote(openedAt: Int)
        case textAfterClosingQuote(at: Int)
        case quoteInUnquotedField(at: Int)
    }

    /// Where the field starting at `from` lies, without copying it: `content` is the text inside
    /// any quotes, `escaped` says it contains `""` (then `text` must produce it), and `end` is the
    /// index of the comma after the field, or `p.count`.
    public struct Bounds: Sendable, Equatable {
        public var content: Range<Int>
        public var escaped: Bool
        public var end: Int
    }

    @inline(__always)
    public static func bounds(_ p: UnsafeBufferPointer<UInt8>, from: Int, policy: Policy) throws(Failure) -> Bounds {
        let quote = UInt8(ascii: "\"")
        var j = from
        if policy == .lenient {
            while j < p.count, p[j] == 0x20 || p[j] == 0x09 { j += 1 }
        }
        guard j < p.count, p[j] == quote else {
            let i = commaOrEnd(p, from: from)
            if policy == .strict, let base = p.baseAddress, i > from,
               let hit = memchr(base + from, Int32(quote), i - from) {
                throw .quoteInUnquotedField(at: UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit)))
            }
            return Bounds(content: from..<i, escaped: false, end: i)
        }
        var i = j + 1
        var escaped = false
        while true {
            guard i < p.count else { throw .unterminatedQuote(openedAt: j) }
            if p[i] == quote {
                if i + 1 < p.count, p[i + 1] == quote { escaped = true; i += 2; continue }
                break
            }
            i += 1
        }
        let content = (j + 1)..<i
        if policy == .strict {
            guard i + 1 == p.count || p[i + 1] == UInt8(ascii: ",") else { throw .textAfterClosingQuote(at: i + 1) }
            return Bounds(content: content, escaped: escaped, end: i + 1)
        }
        return Bounds(content: content, escaped: escaped, end: commaOrEnd(p, from: i + 1))
    }

    /// The field's text: its content with `""` read as one quote.
    public static func text(_ p: UnsafeBufferPointer<UInt8>, _ b: Bounds, into out: inout [UInt8]) {
        guard b.escaped else { out.append(contentsOf: p[b.content]); return }
        var i = b.content.lowerBound
        while i < b.content.upperBound {
            out.append(p[i])
            i += p[i] == UInt8(ascii: "\"") ? 2 : 1
        }
    }

    /// Every field of `line`, or the first failure.
    public static func fields(_ line: UnsafeBufferPointer<UInt8>, policy: Policy) -> Result<[[UInt8]], Failure> {
        var fields: [[UInt8]] = []
        var start = 0
        while start <= line.count {
            let b: Bounds
            do { b = try bounds(line, from: start, policy: policy) } catch { return .failure(error) }
            var field: [UInt8] = []
            text(line, b, into: &field)
            fields.append(field)
            start = b.end + 1
        }
        return .success(fields)
    }

    /// The index of the next comma at or after `from`, or `p.count`: memchr, since this scans
    /// most bytes of every input line.
    @inline(__always)
    public static func commaOrEnd(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard from < p.count, let base = p.baseAddress,
              let hit = memchr(base + from, 0x2c, p.count - from) else { return max(from, p.count) }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }
}
