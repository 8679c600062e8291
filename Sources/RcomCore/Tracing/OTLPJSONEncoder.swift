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
/// Written straight into bytes (JSONText's byte writers): no String per field.
public enum OTLPJSONEncoder {
    public static func body(_ spans: some Sequence<SpanData>, resource: OTLPResource) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024 + spans.underestimatedCount * 640)
        raw(#"{"resourceSpans":[{"resource":{"attributes":"#, &out)
        appendAttributes(resource.attributes, to: &out)
        raw(#"},"scopeSpans":[{"scope":{"name":"#, &out)
        JSONText.appendQuoted(resource.scopeName, to: &out)
        if !resource.scopeVersion.isEmpty {
            raw(#","version":"#, &out)
            JSONText.appendQuoted(resource.scopeVersion, to: &out)
        }
        raw(#"},"spans":["#, &out)
        var first = true
        for span in spans {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            append(span, to: &out)
        }
        raw("]}]}]}", &out)
        return out
    }

    /// Span flags (trace.proto `SpanFlags`): the W3C trace flags in bits 0-7, bit 8 "whether the
    /// parent is remote is known" (always, here) and bit 9 "the parent is remote".
    static func flags(_ span: SpanData) -> UInt64 {
        UInt64(span.context.flags.rawValue) | 0x100 | (span.parentIsRemote ? 0x200 : 0)
    }

    @inline(__always)
    static func raw(_ s: StaticString, _ out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// `"<decimal>"`: a 64-bit integer as the protobuf JSON mapping writes it.
    static func quotedDecimal(_ n: UInt64, _ out: inout [UInt8]) {
        out.append(0x22)
        JSONText.appendDecimal(n, to: &out)
        out.append(0x22)
    }

    static func append(_ span: SpanData, to out: inout [UInt8]) {
        raw(#"{"traceId":""#, &out)
        JSONText.appendHex(span.context.traceID.high, to: &out)
        JSONText.appendHex(span.context.traceID.low, to: &out)
        raw(#"","spanId":""#, &out)
        JSONText.appendHex(span.context.spanID.raw, to: &out)
        out.append(0x22)
        if !span.context.traceState.isEmpty {
            raw(#","traceState":"#, &out)
            JSONText.appendQuoted(span.context.traceState.header, to: &out)
        }
        if let parent = span.parentSpanID {
            raw(#","parentSpanId":""#, &out)
            JSONText.appendHex(parent.raw, to: &out)
            out.append(0x22)
        }
        raw(#","flags":"#, &out)
        JSONText.appendDecimal(flags(span), to: &out)
        raw(#","name":"#, &out)
        JSONText.appendQuoted(span.name, to: &out)
        raw(#","kind":"#, &out)
        JSONText.appendDecimal(UInt64(span.kind.rawValue), to: &out)
        raw(#","startTimeUnixNano":"#, &out)
        quotedDecimal(span.start_unixNano, &out)
        raw(#","endTimeUnixNano":"#, &out)
        quotedDecimal(span.end_unixNano, &out)
        appendAttributeFields(span.attributes, dropped: span.droppedAttributes, to: &out)
        if !span.events.isEmpty {
            raw(#","events":["#, &out)
            for (i, e) in span.events.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                raw(#"{"timeUnixNano":"#, &out)
                quotedDecimal(e.time_unixNano, &out)
                raw(#","name":"#, &out)
                JSONText.appendQuoted(e.name, to: &out)
                appendAttributeFields(e.attributes, dropped: e.droppedAttributes, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        if span.droppedEvents > 0 {
            raw(#","droppedEventsCount":"#, &out)
            JSONText.appendDecimal(UInt64(span.droppedEvents), to: &out)
        }
        if span.status.code != .unset {
            raw(#","status":{"#, &out)
            if !span.status.message.isEmpty {
                raw(#""message":"#, &out)
                JSONText.appendQuoted(span.status.message, to: &out)
                out.append(UInt8(ascii: ","))
            }
            raw(#""code":"#, &out)
            JSONText.appendDecimal(UInt64(span.status.code.rawValue), to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `,"attributes":[…]` and `,"droppedAttributesCount":n`, each left out when empty or zero.
    static func appendAttributeFields(_ attributes: [SpanAttribute], dropped: Int, to out: inout [UInt8]) {
        if !attributes.isEmpty {
            raw(#","attributes":"#, &out)
            appendAttributes(attributes, to: &out)
        }
        if dropped > 0 {
            raw(#","droppedAttributesCount":"#, &out)
            JSONText.appendDecimal(UInt64(dropped), to: &out)
        }
    }

    static func appendAttributes(_ attributes: [SpanAttribute], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, a) in attributes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            raw(#"{"key":"#, &out)
            JSONText.appendQuoted(a.key, to: &out)
            raw(#","value":{"#, &out)
            switch a.value {
            case .string(let s):
                raw(#""stringValue":"#, &out)
                JSONText.appendQuoted(s, to: &out)
            case .int(let n):
                raw(#""intValue":""#, &out)
                JSONText.appendDecimal(n, to: &out)
                out.append(0x22)
            case .bool(let b):
                raw(#""boolValue":"#, &out)
                if b { raw("true", &out) } else { raw("false", &out) }
            case .double(let d):
                raw(#""doubleValue":"#, &out)
                out.append(contentsOf: number(d).utf8)
            }
            raw("}}", &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON number, or the protobuf JSON mapping's strings for the values JSON has no number for.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "\"NaN\"" }
        if d.isInfinite { return d > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        return "\(d)"
    }
}
