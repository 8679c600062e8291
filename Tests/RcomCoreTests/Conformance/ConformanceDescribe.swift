@testable import RcomCore

/// How disagreements are printed: events, field checks and inputs, with every byte visible.
extension Conformance {
    static func describe<M>(_ events: [HTTPDecoderEvent<M>]) -> String {
        var parts = events.map { e -> String in
            switch e {
            case .message(let m as HTTPRequest):
                "message \(m.method) \(escape(b(m.target))) \(m.version.rawValue) \(describe(m.headers)) body \(escape(m.body))"
            case .message(let m as HTTPResponse):
                "message \(m.version.rawValue) \(m.status) \(escape(b(m.reason))) \(describe(m.headers)) body \(escape(m.body))"
            case .message(let m): "message \(m)"
            case .error(let e): "error \(e.status) \(e.kind) (\(e.message))"
            case .closed: "closed"
            case .expectContinue: "expectContinue"
            case .needData: "needData"
            }
        }
        let finished = events.last.map { if case .message = $0 { false } else { true } } ?? false
        if !finished { parts.append("(nothing more: waiting for bytes)") }
        return parts.joined(separator: ", ")
    }

    static func describe(_ headers: HTTPHeaders) -> String {
        "[" + headers.fields.map { "\($0.name): \(escape(b($0.value)))" }.joined(separator: ", ") + "]"
    }

    static func describe(_ checks: [FieldCheck]) -> String {
        "{" + checks.map { check -> String in
            switch check {
            case .value(let n, let v): "\(n): \(escape(b(v)))"
            case .present(let n): "\(n) present"
            case .absent(let n): "no \(n)"
            }
        }.joined(separator: ", ") + "}"
    }

    /// Printable ASCII as is, the rest escaped; runs of one byte shortened ("v×17000").
    static func escape(_ bytes: [UInt8]) -> String {
        var out = "\""
        var i = 0
        while i < bytes.count {
            var j = i
            while j < bytes.count && bytes[j] == bytes[i] { j += 1 }
            let one = escape(bytes[i])
            if j - i >= 8 {
                out += "{\(one)×\(j - i)}"
            } else {
                out += String(repeating: one, count: j - i)
            }
            i = j
        }
        return out + "\""
    }

    static func escape(_ c: UInt8) -> String {
        switch c {
        case 13: "\\r"
        case 10: "\\n"
        case 9: "\\t"
        case 0x22: "\\\""
        case 0x5C: "\\\\"
        case 0x20...0x7E: String(UnicodeScalar(c))
        default: "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16, uppercase: true)
        }
    }
}
