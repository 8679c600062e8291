/// A W3C trace id: 16 bytes, at least one of them non-zero (an all-zero id is invalid on the wire).
/// Kept as two words so making one costs two entropy draws and no allocation.
public struct TraceID: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    /// nil for the all-zero id, which W3C Trace Context and OTLP both call invalid.
    public init?(high: UInt64, low: UInt64) {
        guard high != 0 || low != 0 else { return nil }
        self.high = high
        self.low = low
    }

    /// 32 lower-case hex digits, as `traceparent` and OTLP/JSON carry it.
    public var hex: String { HexText.lowercase([high, low]) }
    public var description: String { hex }

    /// Exactly 32 lower-case hex digits, not all zero; anything else is nil.
    public init?(hex: Substring) {
        guard hex.utf8.count == 32, let h = LowerHex.word(hex.utf8.prefix(16)), let l = LowerHex.word(hex.utf8.suffix(16)) else { return nil }
        self.init(high: h, low: l)
    }
}

/// A W3C span id (`parent-id` in `traceparent`): 8 bytes, not all zero.
public struct SpanID: Hashable, Sendable, CustomStringConvertible {
    public let raw: UInt64

    public init?(raw: UInt64) {
        guard raw != 0 else { return nil }
        self.raw = raw
    }

    public var hex: String { HexText.lowercase([raw]) }
    public var description: String { hex }

    /// Exactly 16 lower-case hex digits, not all zero.
    public init?(hex: Substring) {
        guard hex.utf8.count == 16, let w = LowerHex.word(hex.utf8[...]) else { return nil }
        self.init(raw: w)
    }
}

/// The `trace-flags` byte. Only bit 0 (sampled) has a meaning rcom acts on; the others are
/// carried unchanged (W3C: "MUST propagate ... flags it does not understand" is level 2's rule,
/// and level 1 asks them to be zeroed when sent; rcom keeps them so a level 2 peer's random bit
/// survives a hop).
public struct TraceFlags: Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let sampledBit: UInt8 = 0x01
    public var sampled: Bool {
        get { rawValue & Self.sampledBit != 0 }
        set { rawValue = newValue ? rawValue | Self.sampledBit : rawValue & ~Self.sampledBit }
    }
    public static let sampled = TraceFlags(rawValue: 0x01)
    public static let none = TraceFlags(rawValue: 0x00)
    /// Two lower-case hex digits.
    public var hex: String { String(HexText.lowercase([UInt64(rawValue)]).suffix(2)) }
}

/// Strict lower-case hex (W3C Trace Context: HEXDIGLC; upper case is invalid, not folded).
enum LowerHex {
    static func value(_ c: UInt8) -> UInt64? {
        switch c {
        case 48...57: return UInt64(c - 48)
        case 97...102: return UInt64(c - 87)
        default: return nil
        }
    }

    /// Up to 16 digits as one word; nil on any other byte.
    static func word<C: Collection>(_ digits: C) -> UInt64? where C.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var v: UInt64 = 0
        for c in digits {
            guard let d = value(c) else { return nil }
            v = v << 4 | d
        }
        return v
    }
}
