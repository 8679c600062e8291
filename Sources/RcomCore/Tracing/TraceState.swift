/// The W3C `tracestate` list: vendor key=value members, at most 32, each key once, left to right.
/// rcom has no entry of its own; it passes the caller's list on unchanged so that other
/// vendors' state survives a hop through the proxy and the job server.
public struct TraceState: Equatable, Sendable {
    public private(set) var members: [(key: String, value: String)]

    public static let maxMembers = 32

    public init() { members = [] }

    public static func == (a: TraceState, b: TraceState) -> Bool {
        a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public var isEmpty: Bool { members.isEmpty }

    /// The header value: members joined by ",", as received (minus empty members and white space).
    public var header: String { members.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }

    /// `header.utf8.count`, without building the header.
    public var headerLength: Int { members.reduce(max(0, members.count - 1)) { $0 + $1.key.utf8.count + 1 + $1.value.utf8.count } }

    /// Parses the combined `tracestate` field value (several fields joined with "," first, as
    /// RFC 9110 §5.3 combines them). Empty members and white space around members are allowed.
    /// Any member off the grammar, a repeated key, or more than 32 members makes the whole
    /// list invalid: nil, and the caller drops `tracestate` while still continuing `traceparent`
    /// (W3C §3.3.1: a vendor that cannot parse it MUST NOT pass on a mangled list).
    public static func parse(_ value: String) -> TraceState? {
        var state = TraceState()
        var seen = Set<String>()
        for raw in value.split(separator: ",", omittingEmptySubsequences: false) {
            let member = raw.trimmingOWS()
            if member.isEmpty { continue }
            guard let eq = member.firstIndex(of: "=") else { return nil }
            let key = String(member[..<eq]), val = String(member[member.index(after: eq)...])
            guard isKey(key), isValue(val), seen.insert(key).inserted else { return nil }
            state.members.append((key: key, value: val))
            if state.members.count > maxMembers { return nil }
        }
        return state
    }

    /// key = simple-key / multi-tenant-key (W3C §3.3.1.3.1).
    static func isKey(_ key: String) -> Bool {
        let b = Array(key.utf8)
        func keyChar(_ c: UInt8) -> Bool {
            (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "*") || c == UInt8(ascii: "/")
        }
        let isLower = { (c: UInt8) in c >= 97 && c <= 122 }
        let isDigit = { (c: UInt8) in c >= 48 && c <= 57 }
        if let at = b.firstIndex(of: UInt8(ascii: "@")) {
            let tenant = b[..<at], system = b[(at + 1)...]
            guard let t0 = tenant.first, isLower(t0) || isDigit(t0), tenant.count <= 241, tenant.allSatisfy(keyChar),
                  let s0 = system.first, isLower(s0), system.count <= 14, system.allSatisfy(keyChar) else { return false }
            return true
        }
        guard let c0 = b.first, isLower(c0), b.count <= 256 else { return false }
        return b.allSatisfy(keyChar)
    }

    /// value = 0*255(chr) nblk-chr; chr = SP / nblk-chr; nblk-chr = printable ASCII except "," and "=".
    static func isValue(_ value: String) -> Bool {
        let b = Array(value.utf8)
        guard let last = b.last, b.count <= 256, last != 0x20 else { return false }
        return b.allSatisfy { $0 >= 0x20 && $0 <= 0x7E && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingOWS() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
