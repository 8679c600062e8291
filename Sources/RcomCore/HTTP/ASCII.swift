/// Byte classes and ASCII case folding for the HTTP grammar (RFC 9110 §5.6.2): tokens are
/// ASCII, so names and tokens are compared with ASCII case folding only, never Unicode's.
enum ASCII {
    static func lower(_ c: UInt8) -> UInt8 { (c >= 65 && c <= 90) ? c + 32 : c }
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case 48...57, 65...90, 97...122: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }
    /// Strips spaces and tabs, byte-wise (" " followed by a combining mark is one Character).
    static func trim(_ s: Substring) -> String {
        var t = s.utf8[...]
        while let f = t.first, f == 32 || f == 9 { t = t.dropFirst() }
        while let l = t.last, l == 32 || l == 9 { t = t.dropLast() }
        return String(Substring(t))
    }

    /// `a` and `b` are the same bytes but for ASCII case.
    static func equalIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where lower(a[i]) != lower(b[i]) { return false }
        return true
    }

    /// `body` over `s`'s UTF-8 bytes, in place for a native or literal String (every one the
    /// codec meets), through a copy otherwise.
    static func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }
}
