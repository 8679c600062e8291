/// A PostgreSQL array literal (`{"a","b"}`) in text format, built from bytes: how a batch's
/// thousands of addresses reach the server as one parameter of one statement (`unnest($1::text[])`).
struct PostgresArrayText {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var empty = true

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Appends one element, quoted; `"` and `\` are escaped, as the array input syntax requires.
    mutating func append<C: Collection>(quoted element: C) where C.Element == UInt8 {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        for b in element {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func append(_ value: Int64) {
        append(word: String(value))
    }

    /// An element that needs no quoting (a number, `t`, `f`).
    mutating func append(word: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(contentsOf: word.utf8)
    }

    var text: String {
        String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self)
    }
}
