/// A whole JSON document as a tree whose every value keeps the byte offset it starts at, for
/// configuration files whose errors must name a JSON path and a line (`rcom clients apply`).
/// The text is first validated by the strict reader (`JSONObject.parse`: repeated names, lone
/// surrogates, trailing commas and depth are refused there), so the walk below never fails; the
/// document must be an object, as every rcom configuration file is.
public struct JSONTree: Sendable {
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        /// The number's text as written (callers decide which numbers they take).
        case number(String)
        case bool(Bool)
        case null
        case array([Node])
        /// Members in the order written (names are unique: the strict reader refused repeats).
        case object([Member])
    }

    public struct Node: Sendable, Equatable {
        public let value: Value
        /// Byte offset of the value's first byte.
        public let offset: Int
    }

    public struct Member: Sendable, Equatable {
        public let name: String
        public let node: Node
    }

    public let root: Node
    private let lineStarts: [Int]

    /// The document's tree, or the strict reader's error.
    public static func parse(_ bytes: [UInt8]) -> Result<JSONTree, JSONSyntaxError> {
        if case .failure(let e) = JSONObject.parse(bytes) { return .failure(e) }
        var walker = Walker(b: bytes)
        walker.skipSpace()
        let root = walker.value()
        var starts = [0]
        for (i, c) in bytes.enumerated() where c == 0x0A { starts.append(i + 1) }
        return .success(JSONTree(root: root, lineStarts: starts))
    }

    /// The 1-based line holding byte `offset`.
    public func line(at offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    /// The 1-based line of a byte offset in `bytes` (for the reader's syntax errors).
    public static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        1 + bytes.prefix(max(0, min(offset, bytes.count))).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// Walks text the strict reader accepted: no error paths.
    private struct Walker {
        let b: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }

        mutating func value() -> Node {
            let start = i
            switch b[i] {
            case UInt8(ascii: "\""): return Node(value: .string(string()), offset: start)
            case UInt8(ascii: "{"):
                i += 1
                var members: [Member] = []
                skipSpace()
                while b[i] != UInt8(ascii: "}") {
                    let name = string()
                    skipSpace(); i += 1; skipSpace()  // ':'
                    members.append(Member(name: name, node: value()))
                    skipSpace()
                    if b[i] == UInt8(ascii: ",") { i += 1; skipSpace() }
                }
                i += 1
                return Node(value: .object(members), offset: start)
            case UInt8(ascii: "["):
                i += 1
                var items: [Node] = []
                skipSpace()
                while b[i] != UInt8(ascii: "]") {
                    items.append(value())
                    skipSpace()
                    if b[i] == UInt8(ascii: ",") { i += 1; skipSpace() }
                }
                i += 1
                return Node(value: .array(items), offset: start)
            case UInt8(ascii: "t"): i += 4; return Node(value: .bool(true), offset: start)
            case UInt8(ascii: "f"): i += 5; return Node(value: .bool(false), offset: start)
            case UInt8(ascii: "n"): i += 4; return Node(value: .null, offset: start)
            default:
                while i < b.count, Self.numberByte(b[i]) { i += 1 }
                return Node(value: .number(String(decoding: b[start..<i], as: UTF8.self)), offset: start)
            }
        }

        static func numberByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
        }

        /// A string from its opening quote (already validated), decoded.
        mutating func string() -> String {
            let start = i
            i += 1
            while b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
            i += 1
            return JSONReader.decodeString(b, start..<i)
        }
    }
}
