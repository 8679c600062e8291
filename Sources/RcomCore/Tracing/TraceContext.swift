/// What crosses a process boundary (W3C Trace Context): the trace, the span that made the call,
/// the flags, and the vendors' `tracestate`. `isRemote` says the context came from a header.
public struct TraceContext: Equatable, Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var flags: TraceFlags
    public var traceState: TraceState
    public var isRemote: Bool

    public init(traceID: TraceID, spanID: SpanID, flags: TraceFlags, traceState: TraceState = TraceState(), isRemote: Bool = false) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
        self.traceState = traceState
        self.isRemote = isRemote
    }

    public var sampled: Bool { flags.sampled }

    /// `00-<trace-id>-<span-id>-<flags>`: what rcom sends (always version 00).
    public var traceparent: String {
        var b: [UInt8] = [0x30, 0x30, 0x2D]
        b.reserveCapacity(55)
        JSONText.appendHex(traceID.high, to: &b)
        JSONText.appendHex(traceID.low, to: &b)
        b.append(0x2D)
        JSONText.appendHex(spanID.raw, to: &b)
        b.append(0x2D)
        b.append(JSONText.hexDigit(flags.rawValue >> 4))
        b.append(JSONText.hexDigit(flags.rawValue & 0xF))
        return String(decoding: b, as: UTF8.self)
    }

    /// Continues an incoming request's trace: `traceparent` parsed strictly, `tracestate` kept
    /// only when `traceparent` is valid and the list itself is valid (W3C §3.2, §3.3). nil means
    /// "start a new trace here": an absent or invalid `traceparent` is never an error for the
    /// request, it only loses the caller's parent link.
    public static func extract(traceparent: String?, tracestate: String?) -> TraceContext? {
        guard let traceparent, case .success(var context) = parse(traceparent: traceparent) else { return nil }
        if let tracestate, let state = TraceState.parse(tracestate) { context.traceState = state }
        return context
    }

    /// W3C Trace Context level 1 §3.2, strictly: version 00 is exactly 55 characters; a higher
    /// version (not ff) may be longer, and then the 56th character must be "-" (its extra fields
    /// are ignored); hex is lower case only; an all-zero trace id or parent id is invalid.
    public static func parse(traceparent raw: String) -> Result<TraceContext, TraceparentError> {
        let value = Substring(raw).trimmingOWS()
        let b = Array(value.utf8)
        guard b.count >= 55 else { return .failure(.length(b.count)) }
        guard let version = LowerHex.word(b[0..<2]) else { return .failure(.version) }
        if version == 0xff { return .failure(.version) }
        if version == 0 && b.count != 55 { return .failure(.length(b.count)) }
        if b.count > 55 && b[55] != UInt8(ascii: "-") { return .failure(.separator) }
        let dash = UInt8(ascii: "-")
        guard b[2] == dash, b[35] == dash, b[52] == dash else { return .failure(.separator) }
        guard let high = LowerHex.word(b[3..<19]), let low = LowerHex.word(b[19..<35]) else { return .failure(.traceIDDigits) }
        guard let traceID = TraceID(high: high, low: low) else { return .failure(.zeroTraceID) }
        guard let parent = LowerHex.word(b[36..<52]) else { return .failure(.parentIDDigits) }
        guard let spanID = SpanID(raw: parent) else { return .failure(.zeroParentID) }
        guard let flags = LowerHex.word(b[53..<55]) else { return .failure(.flags) }
        return .success(TraceContext(traceID: traceID, spanID: spanID, flags: TraceFlags(rawValue: UInt8(flags)), isRemote: true))
    }
}

/// Why a `traceparent` value was not continued (for a debug log line; the request goes on).
public enum TraceparentError: Error, Equatable, Sendable, CustomStringConvertible {
    case length(Int), version, separator, traceIDDigits, zeroTraceID, parentIDDigits, zeroParentID, flags

    public var description: String {
        switch self {
        case .length(let n): return "traceparent is \(n) characters long (version 00 is exactly 55)"
        case .version: return "traceparent's version is not two lower-case hex digits other than ff"
        case .separator: return "traceparent's fields are not separated by '-' where W3C Trace Context puts them"
        case .traceIDDigits: return "traceparent's trace-id is not 32 lower-case hex digits"
        case .zeroTraceID: return "traceparent's trace-id is all zeros (invalid)"
        case .parentIDDigits: return "traceparent's parent-id is not 16 lower-case hex digits"
        case .zeroParentID: return "traceparent's parent-id is all zeros (invalid)"
        case .flags: return "traceparent's trace-flags are not two lower-case hex digits"
        }
    }
}
