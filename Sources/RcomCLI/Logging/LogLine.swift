import RcomCore

public enum LogLevel: Int, Sendable, CaseIterable, Comparable {
    case error, warn, info, debug

    public var name: String { ["error", "warn", "info", "debug"][rawValue] }

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-25T15:58:06.531Z INFO listening port=9000 addr="a b"` — for people.
    case text
    /// `{"ts":"2026-11-25T15:58:06.531Z","level":"info","msg":"listening","port":9000}` — one
    /// object per line, for a log store.
    case json
}

/// A field's value: strings are escaped on the way out, numbers and booleans are written bare.
public enum LogValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case int(Int)
    /// Written with up to three decimals (durations in milliseconds).
    case decimal(Double)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

public typealias LogFields = [(String, LogValue)]

/// Formats one log record as one line. Everything that may have come from outside (the
/// message quotes input, field values are request paths, account names, errors) is escaped so
/// that a line can neither be split in two nor carry a terminal control sequence: JSON string
/// escaping for `json`; in `text`, control characters, DEL and invisible or direction-changing
/// Unicode become `\xNN` / `\u{XXXX}`, and a value with a space, quote or `=` is quoted.
public enum LogLine {
    public static func format(_ format: LogFormat, ts_ms: Int64, level: LogLevel, message: String, fields: LogFields) -> String {
        let ts = UTCTimestamp.format(ms: ts_ms)
        switch format {
        case .json:
            var out = "{\"ts\":\"\(ts)\",\"level\":\"\(level.name)\",\"msg\":\(JSONText.quote(message))"
            for (key, value) in fields {
                out += "," + JSONText.quote(key) + ":" + json(value)
            }
            return out + "}"
        case .text:
            var out = ts + " " + level.name.uppercased() + " " + escaped(message)
            for (key, value) in fields {
                out += " " + escaped(key) + "=" + text(value)
            }
            return out
        }
    }

    static func json(_ v: LogValue) -> String {
        switch v {
        case .string(let s): return JSONText.quote(s)
        case .int(let i): return String(i)
        case .decimal(let d): return d.isFinite ? decimal(d) : JSONText.quote(String(d))
        case .bool(let b): return b ? "true" : "false"
        }
    }

    static func text(_ v: LogValue) -> String {
        switch v {
        case .string(let s):
            let e = escaped(s)
            let bare = !e.isEmpty && !e.utf8.contains { $0 == 0x20 || $0 == 0x22 || $0 == 0x3D } && e == s
            return bare ? s : "\"" + e.replacingQuotes() + "\""
        case .int(let i): return String(i)
        case .decimal(let d): return d.isFinite ? decimal(d) : String(d)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    /// Three decimals at most, no exponent: 1.5 → "1.5", 0.0004 → "0", 12.3456 → "12.346".
    static func decimal(_ d: Double) -> String {
        let thousandths = Int64((abs(d) * 1000).rounded())
        var s = (d < 0 && thousandths > 0 ? "-" : "") + String(thousandths / 1000)
        var fraction = thousandths % 1000
        guard fraction != 0 else { return s }
        var digits = CivilCalendar.pad(fraction, 3)
        while digits.hasSuffix("0") { digits.removeLast(); fraction /= 10 }
        s += "." + digits
        return s
    }

    /// Backslash doubled; `\n`, `\r`, `\t` spelled so; other C0 controls and DEL as `\xNN`;
    /// C1 controls, format characters (bidi overrides, zero-width), line/paragraph separators,
    /// private-use and unassigned scalars as `\u{XXXX}`.
    public static func escaped(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            case 0x20..<0x7F:
                out.unicodeScalars.append(scalar)
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
                    out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                default:
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

private extension String {
    /// Inside a quoted text value a double quote is `\"` (backslashes are already doubled).
    func replacingQuotes() -> String {
        guard utf8.contains(0x22) else { return self }
        var out = ""
        for scalar in unicodeScalars { if scalar == "\"" { out += "\\\"" } else { out.unicodeScalars.append(scalar) } }
        return out
    }
}
