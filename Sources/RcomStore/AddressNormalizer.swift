#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one rule that turns an address into the key subscriptions and suppressions are stored
/// under. It lives in the store so that `rcom blacklist` (which writes keys) and `rcom send`
/// (which looks them up, via `suppressionKey`) cannot drift apart.
///
/// 1. Trim spaces, tabs and CR around it.
/// 2. Lower-case ASCII letters in the domain *and in the local part*. RFC 5321 lets a server treat
///    the local part case-sensitively, but no major mailbox provider does, and for a suppression list
///    folding can only suppress more, never send to an address that bounced as `John@` under `john@`.
/// 3. Nothing else: dots and `+tags` are kept, because dropping them is right for some providers and
///    would merge different people at others.
/// 4. Reject what cannot be delivered to: no or several `@`, empty parts, a local part over 64 bytes
///    or with spaces/quotes/brackets/control bytes or misplaced dots, a domain that is not at least
///    two dot-separated labels of letters, digits and inner hyphens (IDNs in their `xn--` form).
public enum AddressNormalizer {
    public enum Problem: String, Error, Sendable, Codable {
        case empty = "empty address"
        case missingAt = "no '@'"
        case severalAt = "more than one '@'"
        case emptyLocalPart = "nothing before '@'"
        case badLocalPart = "invalid character or dot before '@'"
        case localPartTooLong = "more than 64 bytes before '@'"
        case badDomain = "invalid domain"
        case tooLong = "longer than 254 bytes"
        case overlongLine = "line longer than the limit"
        case unterminatedQuote = "unterminated quote"
    }

    public static let localPartBytesMax = 64
    public static let addressBytesMax = 254

    /// Normalises a `String` (for `rcom send` and tests); the importer uses the byte form.
    public static func normalize(_ address: String) -> Result<String, Problem> {
        var out: [UInt8] = []
        let bytes = Array(address.utf8)
        let problem = bytes.withUnsafeBufferPointer { normalize($0[...], appendingTo: &out) }
        if let problem { return .failure(problem) }
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// The key to look `address` up under in the suppression list: its normalised form, or, for
    /// an address this rule rejects (never stored by an import, so it matches nothing), the same
    /// trimming and ASCII folding without the checks. ASCII only, unlike `String.lowercased()`:
    /// stored keys keep non-ASCII bytes as written.
    public static func suppressionKey(_ address: String) -> String {
        if case .success(let key) = normalize(address) { return key }
        var bytes = Array(address.utf8)
        while let last = bytes.last, isBlank(last) { bytes.removeLast() }
        let start = bytes.firstIndex { !isBlank($0) } ?? bytes.endIndex
        return String(decoding: bytes[start...].map(lower), as: UTF8.self)
    }

    /// Appends the normalised form of `raw` to `out` and returns nil, or returns why it is not an
    /// address (leaving `out` as it was). The importer's hot path, one call per line.
    public static func normalize(_ raw: Slice<UnsafeBufferPointer<UInt8>>, appendingTo out: inout [UInt8]) -> Problem? {
        let trimmed = trimmingBlanks(raw)
        let base = raw.base
        let lo = trimmed.startIndex, hi = trimmed.endIndex
        guard lo < hi else { return .empty }
        guard hi - lo <= addressBytesMax else { return .tooLong }
        // memchr twice rather than a byte loop: this runs once per input line.
        let start = base.baseAddress!
        guard let first = memchr(start + lo, 0x40, hi - lo) else { return .missingAt }
        let at = UnsafeRawPointer(start).distance(to: UnsafeRawPointer(first))
        if at + 1 < hi, memchr(start + at + 1, 0x40, hi - at - 1) != nil { return .severalAt }
        guard at > lo else { return .emptyLocalPart }
        guard at - lo <= localPartBytesMax else { return .localPartTooLong }
        guard at + 1 < hi else { return .badDomain }
        if let problem = checkLocal(base, lo, at) { return problem }
        guard domainIsValid(base, at + 1, hi) else { return .badDomain }
        // One copy, then lower-case in place: a loop the compiler vectorises, no per-byte append.
        let mark = out.count
        out.append(contentsOf: base[lo..<hi])
        out.withUnsafeMutableBufferPointer { p in
            for i in mark..<p.count { p[i] = lower(p[i]) }
        }
        return nil
    }

    /// `text` without the blanks (space, tab, CR) around it: every field of an import is read so.
    @inlinable
    public static func trimmingBlanks(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var lo = text.startIndex, hi = text.endIndex
        while lo < hi, isBlank(text[lo]) { lo += 1 }
        while hi > lo, isBlank(text[hi - 1]) { hi -= 1 }
        return text.base[lo..<hi]
    }

    // Inlinable: the importer calls these per byte from another module.
    @inlinable @inline(__always) public static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0d }

    @inlinable @inline(__always) public static func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    private static func checkLocal(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Problem? {
        guard p[lo] != UInt8(ascii: "."), p[hi - 1] != UInt8(ascii: ".") else { return .badLocalPart }
        var previousDot = false
        for i in lo..<hi {
            let b = p[i]
            let dot = b == UInt8(ascii: ".")
            if dot && previousDot { return .badLocalPart }
            previousDot = dot
            // Bytes >= 0x80 pass: UTF-8 local parts (SMTPUTF8) exist and are kept as they are.
            if b <= 0x20 || b == 0x7f { return .badLocalPart }
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
                 UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                 UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\\"):
                return .badLocalPart
            default: continue
            }
        }
        return nil
    }

    private static func domainIsValid(_ p: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        var labels = 0, labelStart = lo
        var i = lo
        while i <= hi {
            if i == hi || p[i] == UInt8(ascii: ".") {
                let length = i - labelStart
                guard length >= 1, length <= 63,
                      p[labelStart] != UInt8(ascii: "-"), p[i - 1] != UInt8(ascii: "-") else { return false }
                labels += 1
                labelStart = i + 1
            } else {
                let b = lower(p[i])
                let ok = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
                    || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
                guard ok else { return false }
            }
            i += 1
        }
        return labels >= 2
    }
}
