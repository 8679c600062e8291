/// Minimal JSON text helpers for building bodies with a fixed, deterministic key order
/// (Foundation's serialiser does not promise one, and traces compare bytes).
public enum JSONText {
    public static func quote(_ s: String) -> String {
        // Most strings (tokens, URLs, ids) need no escape: copied in one piece.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + s + "\""
        }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 8)
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"k1":v1,"k2":v2}` from already-encoded values, in the given order.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
