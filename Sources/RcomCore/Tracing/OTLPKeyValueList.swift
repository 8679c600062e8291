/// The `key1=value1,key2=value2` lists of OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS
/// (the W3C Baggage format without properties): white space around members and around "="
/// trimmed, values percent-decoded as UTF-8. Strict: an empty key, a member without "=", a bad
/// percent escape, or (for headers) a name that is not an HTTP token or a value with a control
/// character is an error naming the variable and the member's position, never its value.
enum OTLPKeyValueList {
    static let maxMembers = 64

    static func parse(_ text: String, variable: String, headers: Bool) throws -> [(String, String)] {
        var out: [(String, String)] = []
        if text.isEmpty { return out }
        for (i, raw) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let member = raw.trimmingOWS()
            if member.isEmpty { continue }
            let position = "member \(i + 1)"
            guard out.count < maxMembers else {
                throw OTLPConfigurationError(variable: variable, problem: "has more than \(maxMembers) members")
            }
            guard let eq = member.firstIndex(of: "=") else {
                throw OTLPConfigurationError(variable: variable, problem: "\(position) has no '=' (write key=value,key2=value2)")
            }
            let key = String(member[..<eq].trimmingOWS())
            guard !key.isEmpty else { throw OTLPConfigurationError(variable: variable, problem: "\(position) has an empty key") }
            guard let value = percentDecoded(member[member.index(after: eq)...].trimmingOWS()) else {
                throw OTLPConfigurationError(variable: variable, problem: "\(position) (\(headers ? "header " : "")\(safe(key))) has a bad percent escape (write %XX with two hex digits, UTF-8)")
            }
            if headers {
                guard key.utf8.allSatisfy(ASCII.isTokenChar) else {
                    throw OTLPConfigurationError(variable: variable, problem: "\(position): the header name is not an HTTP token")
                }
                guard value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) else {
                    throw OTLPConfigurationError(variable: variable, problem: "\(position) (header \(key)): the value holds a control character")
                }
            } else {
                guard key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                    throw OTLPConfigurationError(variable: variable, problem: "\(position): the key must be printable ASCII without spaces")
                }
            }
            out.append((key, value))
        }
        return out
    }

    /// A key for a message: printable ASCII only, cut short (the environment is not trusted text).
    static func safe(_ key: String) -> String {
        String(key.unicodeScalars.prefix(64).map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }

    static func percentDecoded(_ s: Substring) -> String? {
        guard s.contains("%") else { return String(s) }
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            guard c == UInt8(ascii: "%") else {
                bytes.append(c)
                continue
            }
            guard it.count >= 2, let hi = hexValue(it.popFirst()!), let lo = hexValue(it.popFirst()!) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
