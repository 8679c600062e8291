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
        String(decoding: objectBytes(pairs), as: UTF8.self)
    }

    /// `object`'s text as bytes, written into one array sized up front: made of interpolated
    /// and joined Strings it took about 15 allocations per job in the job server (its start
    /// and callback bodies).
    public static func objectBytes(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
        out.append(UInt8(ascii: "{"))
        for (i, (key, value)) in pairs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: value.utf8)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
