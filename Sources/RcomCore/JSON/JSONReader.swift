/// The scanner behind `JSONObject`: a cursor over the bytes; each `read…` consumes one grammar
/// production of RFC 8259 §2–7 or fails with the offset where it stopped.
struct JSONReader {
    private let b: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { b = bytes }

    private func fail<T>(_ message: String) -> Result<T, JSONSyntaxError> {
        .failure(JSONSyntaxError(message: message, offset: i))
    }

    mutating func topLevelObject() -> Result<[JSONObject.Member], JSONSyntaxError> {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return fail("expected a JSON object") }
        i += 1
        var members: [JSONObject.Member] = []
        var seen: Set<String> = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            // Room for a job body's members at once, instead of growing 1, 2, 4, 8 (measured:
            // about 7 of the proxy's mallocs per job, for the three bodies it reads).
            members.reserveCapacity(8)
            while true {
                skipSpace()
                let start = i
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { return fail("expected a member name") }
                if case .failure(let e) = readString() { return .failure(e) }
                let name = Self.decodeString(b, start..<i)
                // Names seen so far: a scan while there are few (the job protocol's bodies have
                // 2–3), a set past that, so that a hostile body of thousands of names costs linear
                // time, not quadratic (6,000 names took 1.2 s in a debug build by scanning).
                if members.count < 8 {
                    if members.contains(where: { $0.name == name }) { return fail("repeated member name") }
                } else {
                    if seen.isEmpty { seen = Set(members.map(\.name)) }
                    guard seen.insert(name).inserted else { return fail("repeated member name") }
                }
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return fail("expected ':'") }
                i += 1
                skipSpace()
                let valueStart = i
                let kind: JSONObject.Kind
                switch readValue(depth: 1) {
                case .success(let k): kind = k
                case .failure(let e): return .failure(e)
                }
                members.append(JSONObject.Member(name: name, range: start..<i, value: valueStart..<i, kind: kind))
                skipSpace()
                guard i < b.count else { return fail("unterminated object") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    if case .failure(let e) = refuseTrailingComma(before: UInt8(ascii: "}")) { return .failure(e) }
                    continue
                }
                if b[i] == UInt8(ascii: "}") { i += 1; break }
                return fail("expected ',' or '}'")
            }
        }
        skipSpace()
        guard i == b.count else { return fail("unexpected bytes after the object") }
        return .success(members)
    }

    /// After a comma: the closing bracket may not follow (RFC 8259 §4, §5).
    private mutating func refuseTrailingComma(before close: UInt8) -> Result<Void, JSONSyntaxError> {
        skipSpace()
        return i < b.count && b[i] == close ? fail("trailing comma") : .success(())
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    private mutating func readValue(depth: Int) -> Result<JSONObject.Kind, JSONSyntaxError> {
        guard i < b.count else { return fail("expected a value") }
        switch b[i] {
        case UInt8(ascii: "\""):
            return readString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < JSONObject.depthMax else { return fail("nested deeper than \(JSONObject.depthMax) levels") }
            return readContainer(depth: depth + 1)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return readNumber()
        default:
            return fail("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString, _ kind: JSONObject.Kind) -> Result<JSONObject.Kind, JSONSyntaxError> {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return fail("truncated literal") }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return fail("invalid literal") }
        i += n
        return .success(kind)
    }

    /// `[ value *( , value ) ]` or `{ member *( , member ) }`, any nesting below `depthMax`.
    private mutating func readContainer(depth: Int) -> Result<JSONObject.Kind, JSONSyntaxError> {
        let isObject = b[i] == UInt8(ascii: "{")
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        i += 1
        skipSpace()
        if i < b.count, b[i] == close { i += 1; return .success(isObject ? .object : .array) }
        while true {
            skipSpace()
            if isObject {
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { return fail("expected a member name") }
                if case .failure(let e) = readString() { return .failure(e) }
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return fail("expected ':'") }
                i += 1
                skipSpace()
            }
            if case .failure(let e) = readValue(depth: depth) { return .failure(e) }
            skipSpace()
            guard i < b.count else { return fail("unterminated \(isObject ? "object" : "array")") }
            if b[i] == UInt8(ascii: ",") {
                i += 1
                if case .failure(let e) = refuseTrailingComma(before: close) { return .failure(e) }
                continue
            }
            if b[i] == close { i += 1; return .success(isObject ? .object : .array) }
            return fail("expected ',' or '\(isObject ? "}" : "]")'")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func readNumber() -> Result<JSONObject.Kind, JSONSyntaxError> {
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, isDigit(b[i]) else { return fail("invalid number") }
        if b[i] == UInt8(ascii: "0") {
            i += 1
            if i < b.count, isDigit(b[i]) { return fail("a number may not have a leading zero") }
        } else {
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < b.count, isDigit(b[i]) else { return fail("invalid fraction") }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, isDigit(b[i]) else { return fail("invalid exponent") }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        return .success(.number)
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// A string from its opening quote: escapes checked (surrogates paired), raw bytes valid UTF-8
    /// with no control characters.
    private mutating func readString() -> Result<JSONObject.Kind, JSONSyntaxError> {
        i += 1
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return .success(.string)
            case UInt8(ascii: "\\"):
                i += 1
                guard i < b.count else { return fail("unterminated string") }
                switch b[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 1
                case UInt8(ascii: "u"):
                    guard let unit = hex4(at: i + 1) else { return fail("invalid \\u escape") }
                    i += 5
                    if unit >= 0xDC00 && unit <= 0xDFFF { return fail("unpaired surrogate") }
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                              let low = hex4(at: i + 2), low >= 0xDC00 && low <= 0xDFFF else {
                            return fail("unpaired surrogate")
                        }
                        i += 6
                    }
                default:
                    return fail("invalid escape")
                }
            case 0x00..<0x20:
                return fail("control character in a string")
            case 0x20..<0x80:
                i += 1
            default:
                guard let n = JSONTape.utf8Length(b, at: i) else { return fail("invalid UTF-8") }
                i += n
            }
        }
        return fail("unterminated string")
    }

    private func hex4(at k: Int) -> UInt32? {
        guard k + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for c in b[k..<k + 4] {
            guard let d = Self.hexValue(c) else { return nil }
            v = v << 4 | d
        }
        return v
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Decodes a string already validated by `readString` (`range` includes its quotes).
    static func decodeString(_ b: [UInt8], _ range: Range<Int>) -> String {
        let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
        guard b[inner].contains(UInt8(ascii: "\\")) else {
            return String(decoding: b[inner], as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
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
                for c in b[k..<k + 4] { v = v << 4 | hexValue(c)! }
                k += 4
                if v >= 0xD800 && v <= 0xDBFF {
                    var low: UInt32 = 0
                    for c in b[(k + 2)..<(k + 6)] { low = low << 4 | hexValue(c)! }
                    k += 6
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Unicode.Scalar(v)!).utf8)
            default: out.append(e)  // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
