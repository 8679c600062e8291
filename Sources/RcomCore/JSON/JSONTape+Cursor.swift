extension JSONTape {
    /// `JSONReader`'s grammar (RFC 8259 §2–7) on a raw pointer, writing the tape as it goes:
    /// the same productions in the same order, so the same errors at the same offsets.
    struct Cursor {
        let b: UnsafePointer<UInt8>
        let n: Int
        var i = 0

        init(b: UnsafePointer<UInt8>, n: Int) {
            self.b = b
            self.n = n
        }

        private var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: b, count: n) }

        private func fail(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: i) }

        private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

        mutating func topLevelObject(_ t: inout JSONTape) -> JSONSyntaxError? {
            skipSpace()
            guard i < n, b[i] == UInt8(ascii: "{") else { return fail("expected a JSON object") }
            let top = t.append(Entry(parent: -1, next: 0, nameStart: 0, nameEnd: 0, valueStart: Int32(i), valueEnd: 0,
                                     kind: .object, nameEscaped: false, valueEscaped: false))
            i += 1
            skipSpace()
            if i < n, b[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    skipSpace()
                    let start = i
                    guard i < n, b[i] == Self.quote else { return fail("expected a member name") }
                    var escaped = false
                    if let e = readString(&escaped) { return e }
                    let member = t.append(Entry(parent: Int32(top), next: 0, nameStart: Int32(start), nameEnd: Int32(i),
                                                valueStart: 0, valueEnd: 0, kind: .null, nameEscaped: escaped, valueEscaped: false))
                    guard t.addTopName(member, buffer) else { return fail("repeated member name") }
                    skipSpace()
                    guard i < n, b[i] == UInt8(ascii: ":") else { return fail("expected ':'") }
                    i += 1
                    skipSpace()
                    t.entries[member].valueStart = Int32(i)
                    if let e = readValue(depth: 1, entry: member, &t) { return e }
                    skipSpace()
                    guard i < n else { return fail("unterminated object") }
                    if b[i] == UInt8(ascii: ",") {
                        i += 1
                        if let e = refuseTrailingComma(before: UInt8(ascii: "}")) { return e }
                        continue
                    }
                    if b[i] == UInt8(ascii: "}") { i += 1; break }
                    return fail("expected ',' or '}'")
                }
            }
            t.close(top, valueEnd: i, kind: .object)
            skipSpace()
            guard i == n else { return fail("unexpected bytes after the object") }
            return nil
        }

        private mutating func refuseTrailingComma(before close: UInt8) -> JSONSyntaxError? {
            skipSpace()
            return i < n && b[i] == close ? fail("trailing comma") : nil
        }

        private mutating func skipSpace() {
            while i < n, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }

        /// The value at `i`, the value of tape entry `entry` (closed here).
        private mutating func readValue(depth: Int, entry: Int, _ t: inout JSONTape) -> JSONSyntaxError? {
            guard i < n else { return fail("expected a value") }
            let kind: JSONObject.Kind
            switch b[i] {
            case Self.quote:
                var escaped = false
                if let e = readString(&escaped) { return e }
                t.close(entry, valueEnd: i, kind: .string, escaped: escaped)
                return nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < JSONObject.depthMax else { return fail("nested deeper than \(JSONObject.depthMax) levels") }
                return readContainer(depth: depth + 1, entry: entry, &t)
            case UInt8(ascii: "t"):
                if let e = literal("true") { return e }
                kind = .bool(true)
            case UInt8(ascii: "f"):
                if let e = literal("false") { return e }
                kind = .bool(false)
            case UInt8(ascii: "n"):
                if let e = literal("null") { return e }
                kind = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                if let e = readNumber() { return e }
                kind = .number
            default:
                return fail("expected a value")
            }
            t.close(entry, valueEnd: i, kind: kind)
            return nil
        }

        private mutating func literal(_ word: StaticString) -> JSONSyntaxError? {
            let count = word.utf8CodeUnitCount
            guard i + count <= n else { return fail("truncated literal") }
            for k in 0..<count where b[i + k] != word.utf8Start[k] { return fail("invalid literal") }
            i += count
            return nil
        }

        private mutating func readContainer(depth: Int, entry: Int, _ t: inout JSONTape) -> JSONSyntaxError? {
            let isObject = b[i] == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let kind: JSONObject.Kind = isObject ? .object : .array
            i += 1
            skipSpace()
            if i < n, b[i] == close {
                i += 1
                t.close(entry, valueEnd: i, kind: kind)
                return nil
            }
            while true {
                skipSpace()
                var nameStart = 0, nameEnd = 0, nameEscaped = false
                if isObject {
                    guard i < n, b[i] == Self.quote else { return fail("expected a member name") }
                    nameStart = i
                    if let e = readString(&nameEscaped) { return e }
                    nameEnd = i
                    skipSpace()
                    guard i < n, b[i] == UInt8(ascii: ":") else { return fail("expected ':'") }
                    i += 1
                    skipSpace()
                }
                let child = t.append(Entry(parent: Int32(entry), next: 0, nameStart: Int32(nameStart), nameEnd: Int32(nameEnd),
                                           valueStart: Int32(i), valueEnd: 0, kind: .null, nameEscaped: nameEscaped,
                                           valueEscaped: false))
                if let e = readValue(depth: depth, entry: child, &t) { return e }
                skipSpace()
                guard i < n else { return fail("unterminated \(isObject ? "object" : "array")") }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    if let e = refuseTrailingComma(before: close) { return e }
                    continue
                }
                if b[i] == close {
                    i += 1
                    t.close(entry, valueEnd: i, kind: kind)
                    return nil
                }
                return fail("expected ',' or '\(isObject ? "}" : "]")'")
            }
        }

        private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        private mutating func readNumber() -> JSONSyntaxError? {
            if b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n, isDigit(b[i]) else { return fail("invalid number") }
            if b[i] == UInt8(ascii: "0") {
                i += 1
                if i < n, isDigit(b[i]) { return fail("a number may not have a leading zero") }
            } else {
                while i < n, isDigit(b[i]) { i += 1 }
            }
            if i < n, b[i] == UInt8(ascii: ".") {
                i += 1
                guard i < n, isDigit(b[i]) else { return fail("invalid fraction") }
                while i < n, isDigit(b[i]) { i += 1 }
            }
            if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard i < n, isDigit(b[i]) else { return fail("invalid exponent") }
                while i < n, isDigit(b[i]) { i += 1 }
            }
            return nil
        }

        /// A string from its opening quote, as `JSONReader.readString` checks it; runs of plain
        /// bytes (printable ASCII other than quote and backslash) are skipped 8 at a time.
        private mutating func readString(_ escaped: inout Bool) -> JSONSyntaxError? {
            i += 1
            while true {
                while i + 8 <= n, JSONTape.isPlain(UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)) { i += 8 }
                guard i < n else { return fail("unterminated string") }
                let c = b[i]
                switch c {
                case Self.quote:
                    i += 1
                    return nil
                case Self.backslash:
                    escaped = true
                    i += 1
                    guard i < n else { return fail("unterminated string") }
                    switch b[i] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 1
                    case UInt8(ascii: "u"):
                        guard let unit = hex4(at: i + 1) else { return fail("invalid \\u escape") }
                        i += 5
                        if unit >= 0xDC00 && unit <= 0xDFFF { return fail("unpaired surrogate") }
                        if unit >= 0xD800 && unit <= 0xDBFF {
                            guard i + 1 < n, b[i] == Self.backslash, b[i + 1] == UInt8(ascii: "u"),
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
                    guard let count = JSONTape.utf8Length(buffer, at: i) else { return fail("invalid UTF-8") }
                    i += count
                }
            }
        }

        private func hex4(at k: Int) -> UInt32? {
            guard k + 4 <= n else { return nil }
            var v: UInt32 = 0
            for j in k..<(k + 4) {
                guard let d = JSONReader.hexValue(b[j]) else { return nil }
                v = v << 4 | d
            }
            return v
        }
    }
}
