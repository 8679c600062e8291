/// Header fields in arrival order. Lookup is case-insensitive; order is kept so that
/// serialisation (and therefore trace replay) is byte-for-byte deterministic.
public struct HTTPHeaders: Equatable, Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    /// Replaces every field of that name with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    public subscript(_ name: String) -> String? { first(name) }

    public func first(_ name: String) -> String? {
        fields.first { Self.equalsIgnoringCase($0.name, name) }?.value
    }

    /// How many fields have that name, and the first one's value: what a parser checks for
    /// a field that must occur at most once, without building the array `all` returns.
    func countAndFirst(_ name: String) -> (count: Int, first: String?) {
        var count = 0
        var first: String?
        for f in fields where Self.equalsIgnoringCase(f.name, name) {
            if count == 0 { first = f.value }
            count += 1
        }
        return (count, first)
    }

    mutating func reserveCapacity(_ n: Int) { fields.reserveCapacity(n) }

    public func all(_ name: String) -> [String] {
        fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Comma-separated tokens across all fields of that name, lower-cased and trimmed
    /// (e.g. `Connection: keep-alive, Upgrade`).
    public func tokens(_ name: String) -> [String] {
        all(name).flatMap { $0.split(separator: ",") }.map { ASCII.trim(Substring($0)).lowercased() }.filter { !$0.isEmpty }
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        // Over the two buffers where both have one (every native String): the zipped views'
        // iterator cost 1-2 % of the proxy's CPU, several header look-ups per message.
        let fast = x.withContiguousStorageIfAvailable { xb in
            y.withContiguousStorageIfAvailable { yb in
                for i in 0..<xb.count where ASCII.lower(xb[i]) != ASCII.lower(yb[i]) { return false }
                return true
            }
        }
        if let fast = fast ?? nil { return fast }
        return zip(x, y).allSatisfy { ASCII.lower($0) == ASCII.lower($1) }
    }
}

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
}
