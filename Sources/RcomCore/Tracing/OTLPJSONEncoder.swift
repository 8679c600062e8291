/// Who produced the spans: OTLP's `Resource` (service.name and the operator's resource
/// attributes) and the instrumentation scope (rcom itself).
public struct OTLPResource: Equatable, Sendable {
    public var attributes: [SpanAttribute]
    public var scopeName: String
    public var scopeVersion: String

    /// `service.name` first, then the other attributes in the order given (a later duplicate
    /// of a key is dropped, so OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES' service.name).
    public init(serviceName: String, attributes: [SpanAttribute] = [], scopeName: String = "rcom", scopeVersion: String = "") {
        var seen: Set<String> = ["service.name"]
        self.attributes = [SpanAttribute("service.name", .string(serviceName))] + attributes.filter { seen.insert($0.key).inserted }
        self.scopeName = scopeName
        self.scopeVersion = scopeVersion
    }
}

/// Spans to the body of `POST /v1/traces` in OTLP/HTTP's JSON encoding: the protobuf JSON
/// mapping of `ExportTraceServiceRequest` (resourceSpans → scopeSpans → spans), with the OTLP
/// specification's exceptions: trace and span ids as hex strings (not base64), enums as
/// integers, field names in lowerCamelCase. 64-bit integers (times, intValue) are decimal
/// strings, as the protobuf JSON mapping writes int64/fixed64. Keys come in a fixed order and
/// default values are left out, so the same spans always make the same bytes (traces replay).
public enum OTLPJSONEncoder {
    public static func body(_ spans: some Sequence<SpanData>, resource: OTLPResource) -> [UInt8] {
        var out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":"
        appendAttributes(resource.attributes, to: &out)
        out += "},\"scopeSpans\":[{\"scope\":{\"name\":" + JSONText.quote(resource.scopeName)
        if !resource.scopeVersion.isEmpty { out += ",\"version\":" + JSONText.quote(resource.scopeVersion) }
        out += "},\"spans\":["
        var first = true
        for span in spans {
            if !first { out += "," }
            first = false
            append(span, to: &out)
        }
        out += "]}]}]}"
        return Array(out.utf8)
    }

    /// Span flags (trace.proto `SpanFlags`): the W3C trace flags in bits 0-7, bit 8 "whether the
    /// parent is remote is known" (always, here) and bit 9 "the parent is remote".
    static func flags(_ span: SpanData) -> UInt32 {
        UInt32(span.context.flags.rawValue) | 0x100 | (span.parentIsRemote ? 0x200 : 0)
    }

    static func append(_ span: SpanData, to out: inout String) {
        out += "{\"traceId\":\"" + span.context.traceID.hex + "\",\"spanId\":\"" + span.context.spanID.hex + "\""
        if !span.context.traceState.isEmpty { out += ",\"traceState\":" + JSONText.quote(span.context.traceState.header) }
        if let parent = span.parentSpanID { out += ",\"parentSpanId\":\"" + parent.hex + "\"" }
        out += ",\"flags\":\(flags(span)),\"name\":" + JSONText.quote(span.name)
        out += ",\"kind\":\(span.kind.rawValue),\"startTimeUnixNano\":\"\(span.start_unixNano)\",\"endTimeUnixNano\":\"\(span.end_unixNano)\""
        if !span.attributes.isEmpty {
            out += ",\"attributes\":"
            appendAttributes(span.attributes, to: &out)
        }
        if span.droppedAttributes > 0 { out += ",\"droppedAttributesCount\":\(span.droppedAttributes)" }
        if !span.events.isEmpty {
            out += ",\"events\":["
            for (i, e) in span.events.enumerated() {
                if i > 0 { out += "," }
                out += "{\"timeUnixNano\":\"\(e.time_unixNano)\",\"name\":" + JSONText.quote(e.name)
                if !e.attributes.isEmpty {
                    out += ",\"attributes\":"
                    appendAttributes(e.attributes, to: &out)
                }
                if e.droppedAttributes > 0 { out += ",\"droppedAttributesCount\":\(e.droppedAttributes)" }
                out += "}"
            }
            out += "]"
        }
        if span.droppedEvents > 0 { out += ",\"droppedEventsCount\":\(span.droppedEvents)" }
        if span.status.code != .unset {
            out += ",\"status\":{"
            if !span.status.message.isEmpty { out += "\"message\":" + JSONText.quote(span.status.message) + "," }
            out += "\"code\":\(span.status.code.rawValue)}"
        }
        out += "}"
    }

    static func appendAttributes(_ attributes: [SpanAttribute], to out: inout String) {
        out += "["
        for (i, a) in attributes.enumerated() {
            if i > 0 { out += "," }
            out += "{\"key\":" + JSONText.quote(a.key) + ",\"value\":{"
            switch a.value {
            case .string(let s): out += "\"stringValue\":" + JSONText.quote(s)
            case .int(let n): out += "\"intValue\":\"\(n)\""
            case .bool(let b): out += "\"boolValue\":\(b)"
            case .double(let d): out += "\"doubleValue\":" + number(d)
            }
            out += "}}"
        }
        out += "]"
    }

    /// A JSON number, or the protobuf JSON mapping's strings for the values JSON has no number for.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "\"NaN\"" }
        if d.isInfinite { return d > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        return "\(d)"
    }
}
