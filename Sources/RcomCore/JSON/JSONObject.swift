/// A strict RFC 8259 reading of one JSON text that must be an object, for the few top-level
/// fields the job protocol reads (`account`, `wait`, `callback`, `id`). It validates the whole
/// text, records where each top-level member's name and value lie in the bytes, and decodes a
/// string only when asked. The proxy forwards the members it does not know about as the very
/// bytes the client sent; Foundation's JSONSerialization, which this replaces on the hot path,
/// built a dictionary of bridged objects and serialised it again (28 % of the proxy's CPU).
///
/// Stricter than JSONSerialization where RFC 8259 leaves room (the differential test lists each
/// difference): a repeated top-level name is an error (RFC 8259 §4: "SHOULD be unique"; which
/// value a reader takes is unpredictable, and two components reading one body must agree);
/// an escaped lone surrogate is an error (§8.2); a trailing comma is an error (§4, §5: Foundation
/// takes one); nesting is bounded by `depthMax`.
public struct JSONObject: Sendable {
    public enum Kind: Equatable, Sendable {
        case string, number, object, array, null
        case bool(Bool)
    }

    public struct Member: Sendable {
        /// The decoded name.
        public let name: String
        /// The member's bytes from the opening quote of its name to the end of its value.
        public let range: Range<Int>
        /// The value's bytes (a string's include its quotes).
        public let value: Range<Int>
        public let kind: Kind
    }

    /// Arrays and objects nested deeper than this are refused (bounds the reader's recursion).
    public static let depthMax = 32

    public let bytes: [UInt8]
    public let members: [Member]

    /// The text's object, or why it is not one (a sentence with the byte offset).
    public static func parse(_ bytes: [UInt8]) -> Result<JSONObject, JSONSyntaxError> {
        var reader = JSONReader(bytes)
        switch reader.topLevelObject() {
        case .success(let members): return .success(JSONObject(bytes: bytes, members: members))
        case .failure(let e): return .failure(e)
        }
    }

    public func member(_ name: String) -> Member? { members.first { $0.name == name } }

    /// The decoded value of string member `name`; nil when absent or not a string.
    public func string(_ name: String) -> String? { member(name).flatMap(string) }

    /// The decoded value of `m` when it is a string.
    public func string(_ m: Member) -> String? {
        m.kind == .string ? JSONReader.decodeString(bytes, m.value) : nil
    }
}

public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}
