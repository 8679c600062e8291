/// Header fields in arrival order. Lookup is case-insensitive; order is kept so that
/// serialisation (and therefore trace replay) is byte-for-byte deterministic.
///
/// Bytes, not Strings: every name and value lives in one byte array and a field is where its
/// name and value lie in it. A decoded head's field lines are copied into it once (and the
/// fields' places into one array), so decoding makes no String per name and value: those, with
/// the arrays of lines and fields around them, were about 30 % of the proxy's user CPU. Names
/// are compared byte-wise with ASCII case folding (tokens are ASCII, RFC 9110 §5.6.2), without
/// allocating; a String is made only when one is asked for (`first`, `all`, iteration).
public struct HTTPHeaders: Equatable, Sendable, Sequence {
    /// Where one field's name and value are in `bytes`.
    struct Field: Sendable {
        var nameStart: Int
        var nameEnd: Int
        var valueStart: Int
        var valueEnd: Int
    }

    /// Names and values; for a decoded head, the array its bytes were read into, not a copy
    /// (the read's array is the message's own, so it keeps nothing else alive), the places
    /// counted from its start. An array, not a slice of it: a slice is four words, and every
    /// waiting client holds a few headers inline (its decoder, its response slot): measured
    /// 170 B more per waiting client with a slice. Only `add` grows it, and `remove` rebuilds
    /// it from the fields it keeps: no dead bytes.
    private var bytes: [UInt8] = []
    private var places: [Field] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        places.reserveCapacity(fields.count)
        for (name, value) in fields { add(name, value) }
    }

    /// A decoded head's bytes and where its fields are in them (`HTTPHeadParser`).
    init(decoded bytes: [UInt8], fields: [Field]) {
        self.bytes = bytes
        self.places = fields
    }

    /// By the Strings the fields read as (as when they were stored as Strings): bytes that
    /// differ only in how they spell the same text compare equal.
    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        if a.bytes == b.bytes && a.places.count == b.places.count
            && zip(a.places, b.places).allSatisfy({ $0.nameStart == $1.nameStart && $0.nameEnd == $1.nameEnd
                && $0.valueStart == $1.valueStart && $0.valueEnd == $1.valueEnd }) { return true }
        return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public var count: Int { places.count }

    /// Every field as Strings, made now.
    public var fields: [(name: String, value: String)] { places.map { (name: string($0.nameStart, $0.nameEnd), value: string($0.valueStart, $0.valueEnd)) } }

    public struct Iterator: IteratorProtocol {
        let headers: HTTPHeaders
        var index = 0
        public mutating func next() -> (name: String, value: String)? {
            guard index < headers.places.count else { return nil }
            let f = headers.places[index]
            index += 1
            return (name: headers.string(f.nameStart, f.nameEnd), value: headers.string(f.valueStart, f.valueEnd))
        }
    }

    public func makeIterator() -> Iterator { Iterator(headers: self) }

    public mutating func add(_ name: String, _ value: String) {
        // Grown by doubling, from room for a few fields: a slice reserves only what an append
        // needs (an allocation per field: 7 per job in the job server's callback headers).
        let needed = bytes.count + name.utf8.count + value.utf8.count
        if needed > bytes.capacity { bytes.reserveCapacity(Swift.max(needed, 2 * bytes.capacity, 128)) }
        if places.count == places.capacity { places.reserveCapacity(Swift.max(4, 2 * places.capacity)) }
        let nameStart = bytes.count
        bytes.append(contentsOf: name.utf8)
        let nameEnd = bytes.count
        bytes.append(contentsOf: value.utf8)
        places.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: nameEnd, valueEnd: bytes.count))
    }

    /// Replaces every field of that name with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        guard contains(name) else { return }
        var kept = HTTPHeaders()
        ASCII.withBytes(name) { n in
            bytes.withUnsafeBufferPointer { all in
                for f in places where !ASCII.equalIgnoringCase(UnsafeBufferPointer(rebasing: all[f.nameStart..<f.nameEnd]), n) {
                    let nameStart = kept.bytes.count
                    kept.bytes.append(contentsOf: all[f.nameStart..<f.nameEnd])
                    let nameEnd = kept.bytes.count
                    kept.bytes.append(contentsOf: all[f.valueStart..<f.valueEnd])
                    kept.places.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: nameEnd, valueEnd: kept.bytes.count))
                }
            }
        }
        self = kept
    }

    public subscript(_ name: String) -> String? { first(name) }

    public func first(_ name: String) -> String? {
        var found: String?
        forEachValue(name) { found = String(decoding: $0, as: UTF8.self); return false }
        return found
    }

    /// Whether a field of that name is present.
    public func contains(_ name: String) -> Bool {
        var found = false
        forEachValue(name) { _ in found = true; return false }
        return found
    }

    /// How many fields have that name, and the first one's value: what a parser checks for
    /// a field that must occur at most once, without building the array `all` returns.
    func countAndFirst(_ name: String) -> (count: Int, first: String?) {
        var count = 0
        var first: String?
        forEachValue(name) {
            if count == 0 { first = String(decoding: $0, as: UTF8.self) }
            count += 1
            return true
        }
        return (count, first)
    }

    public func all(_ name: String) -> [String] {
        var values: [String] = []
        forEachValue(name) { values.append(String(decoding: $0, as: UTF8.self)); return true }
        return values
    }

    /// Comma-separated tokens across all fields of that name, ASCII lower-cased and trimmed
    /// (e.g. `Connection: keep-alive, Upgrade`).
    public func tokens(_ name: String) -> [String] {
        var out: [String] = []
        forEachToken(name) { out.append(String(decoding: $0.map(ASCII.lower), as: UTF8.self)); return true }
        return out
    }

    /// Whether `token` (lower case) is one of the tokens of the fields of that name: `tokens`'
    /// answer without making them (`Connection: close` is asked of every message).
    public func hasToken(_ name: String, _ token: String) -> Bool {
        var found = false
        ASCII.withBytes(token) { t in
            forEachToken(name) { found = ASCII.equalIgnoringCase($0, t); return !found }
        }
        return found
    }

    /// Calls `body` with each value of the fields named `name`, in order, until it returns false.
    func forEachValue(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        ASCII.withBytes(name) { n in
            bytes.withUnsafeBufferPointer { all in
                for f in places where f.nameEnd - f.nameStart == n.count
                    && ASCII.equalIgnoringCase(UnsafeBufferPointer(rebasing: all[f.nameStart..<f.nameEnd]), n) {
                    if !body(UnsafeBufferPointer(rebasing: all[f.valueStart..<f.valueEnd])) { return }
                }
            }
        }
    }

    /// Each non-empty comma-separated piece of those values, without its spaces and tabs.
    private func forEachToken(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        forEachValue(name) { value in
            var start = 0
            for i in 0...value.count where i == value.count || value[i] == UInt8(ascii: ",") {
                var s = start, e = i
                start = i + 1
                while s < e, value[s] == 32 || value[s] == 9 { s += 1 }
                while e > s, value[e - 1] == 32 || value[e - 1] == 9 { e -= 1 }
                if s < e, !body(UnsafeBufferPointer(rebasing: value[s..<e])) { return false }
            }
            return true
        }
    }

    /// The bytes `appendSerialized` writes.
    var serializedCount: Int { places.reduce(0) { $0 + $1.nameEnd - $1.nameStart + $1.valueEnd - $1.valueStart + 4 } }

    /// Appends every field as `name: value` CRLF; returns whether one of them frames the body
    /// (Content-Length or Transfer-Encoding).
    func appendSerialized(to out: inout [UInt8]) -> Bool {
        var framed = false
        bytes.withUnsafeBufferPointer { all in
            for f in places {
                let name = UnsafeBufferPointer(rebasing: all[f.nameStart..<f.nameEnd])
                if !framed { framed = Self.isFraming(name) }
                out.append(contentsOf: name)
                out.append(UInt8(ascii: ":"))
                out.append(32)
                out.append(contentsOf: all[f.valueStart..<f.valueEnd])
                out.append(13)
                out.append(10)
            }
        }
        return framed
    }

    private static let contentLength = Array("content-length".utf8), transferEncoding = Array("transfer-encoding".utf8)

    private static func isFraming(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        contentLength.withUnsafeBufferPointer { ASCII.equalIgnoringCase(name, $0) }
            || transferEncoding.withUnsafeBufferPointer { ASCII.equalIgnoringCase(name, $0) }
    }

    private func string(_ start: Int, _ end: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        ASCII.withBytes(a) { x in ASCII.withBytes(b) { y in ASCII.equalIgnoringCase(x, y) } }
    }
}
