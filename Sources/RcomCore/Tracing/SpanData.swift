/// OTLP's span kinds, with their wire numbers (trace.proto `Span.SpanKind`).
public enum SpanKind: Int, Sendable {
    case `internal` = 1, server = 2, client = 3, producer = 4, consumer = 5
}

/// An attribute's value: the four scalar kinds of OTLP's `AnyValue` that rcom uses.
public enum AttributeValue: Equatable, Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
}

public struct SpanAttribute: Equatable, Sendable {
    public var key: String
    public var value: AttributeValue
    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

/// Something that happened at a moment inside a span (the callback's arrival, a retry).
public struct SpanEvent: Equatable, Sendable {
    public var name: String
    public var time_unixNano: UInt64
    public var attributes: [SpanAttribute]
    public var droppedAttributes: Int
    public init(name: String, time_unixNano: UInt64, attributes: [SpanAttribute] = [], droppedAttributes: Int = 0) {
        self.name = name
        self.time_unixNano = time_unixNano
        self.attributes = attributes
        self.droppedAttributes = droppedAttributes
    }
}

/// OTLP `Status`: unset (0), ok (1), error (2); the message is kept only with error (the spec
/// gives it no meaning otherwise).
public struct SpanStatus: Equatable, Sendable {
    public enum Code: Int, Sendable { case unset = 0, ok = 1, error = 2 }
    public var code: Code
    public var message: String
    public init(_ code: Code, message: String = "") {
        self.code = code
        self.message = code == .error ? message : ""
    }
    public static let unset = SpanStatus(.unset)
}

/// A finished span, what the exporter queues and encodes. Times are Unix nanoseconds given by
/// the caller (the shell's clock), never read here.
public struct SpanData: Equatable, Sendable {
    public var context: TraceContext
    public var parentSpanID: SpanID?
    /// The parent came from another process's `traceparent` (OTLP span flags bits 8 and 9).
    public var parentIsRemote: Bool
    public var name: String
    public var kind: SpanKind
    public var start_unixNano: UInt64
    public var end_unixNano: UInt64
    public var attributes: [SpanAttribute]
    public var droppedAttributes: Int
    public var events: [SpanEvent]
    public var droppedEvents: Int
    public var status: SpanStatus

    public init(context: TraceContext, parentSpanID: SpanID?, parentIsRemote: Bool = false, name: String, kind: SpanKind,
                start_unixNano: UInt64, end_unixNano: UInt64, attributes: [SpanAttribute] = [],
                droppedAttributes: Int = 0, events: [SpanEvent] = [], droppedEvents: Int = 0,
                status: SpanStatus = .unset) {
        self.context = context
        self.parentSpanID = parentSpanID
        self.parentIsRemote = parentIsRemote
        self.name = name
        self.kind = kind
        self.start_unixNano = start_unixNano
        self.end_unixNano = end_unixNano
        self.attributes = attributes
        self.droppedAttributes = droppedAttributes
        self.events = events
        self.droppedEvents = droppedEvents
        self.status = status
    }
}

/// Bounds on what one span may hold (OTel's SpanLimits defaults: 128 attributes, 128 events),
/// plus a cut on string values so a 1 MB header copied into an attribute cannot make a 1 MB
/// span. Past a bound the item is dropped and counted in the span's dropped count, which OTLP
/// carries to the collector.
public struct SpanLimits: Equatable, Sendable {
    public var attributes: Int = 128
    public var events: Int = 128
    public var attributesPerEvent: Int = 128
    /// UTF-8 bytes kept of a string value; longer values are cut at a character boundary.
    public var stringValueBytes: Int = 1024
    public init() {}

    func clamp(_ value: AttributeValue) -> AttributeValue {
        guard case .string(let s) = value, s.utf8.count > stringValueBytes else { return value }
        var cut = s.utf8.index(s.utf8.startIndex, offsetBy: stringValueBytes)
        while cut > s.startIndex, !s.unicodeScalars.indices.contains(cut) { cut = s.utf8.index(before: cut) }
        return .string(String(s[..<cut]))
    }
}
