/// W3C Trace Context on HTTP messages: read from a request's headers, written onto an outgoing one.
extension TraceContext {
    /// The caller's context, or nil to start a new trace. Several `traceparent` fields are
    /// invalid (W3C §3.2: a vendor cannot tell which one is meant); several `tracestate` fields
    /// are one list, joined with "," in order (RFC 9110 §5.3).
    public static func extract(from headers: HTTPHeaders) -> TraceContext? {
        let parents = headers.all("traceparent")
        guard parents.count == 1 else { return nil }
        let states = headers.all("tracestate")
        return extract(traceparent: parents[0], tracestate: states.isEmpty ? nil : states.joined(separator: ","))
    }

    /// Sets `traceparent` (and `tracestate` when there is one) for the next hop, replacing any
    /// the message already had, so a forwarded request never carries its caller's parent.
    public func inject(into headers: inout HTTPHeaders) {
        headers.set("traceparent", traceparent)
        if traceState.isEmpty {
            headers.remove("tracestate")
        } else {
            headers.set("tracestate", traceState.header)
        }
    }
}

/// The POST a `SpanExportStage.Effect.send` asks for, ready for the reactor's HTTP client.
public enum OTLPExportRequest {
    /// `body` to the configured endpoint, with its headers (OTEL_EXPORTER_OTLP_HEADERS; a
    /// configured Host, Content-Type or Content-Length is ignored: those describe this message).
    public static func make(_ body: [UInt8], configuration: OTLPConfiguration) -> HTTPRequest {
        var h = HTTPHeaders()
        h.add("Host", configuration.endpoint.hostHeader)
        h.add("Content-Type", "application/json")
        for (name, value) in configuration.headers {
            let n = name.lowercased()
            if n == "host" || n == "content-type" || n == "content-length" || n == "transfer-encoding" { continue }
            h.add(name, value)
        }
        return HTTPRequest(method: "POST", target: configuration.endpoint.target, headers: h, body: body)
    }
}
