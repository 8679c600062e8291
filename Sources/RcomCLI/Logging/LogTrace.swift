import RcomCore

/// The fields a log line carries while a span is current: `trace_id` and `span_id` in lower-case
/// hex (the names OpenTelemetry's log data model and the pipelines' notices use), so a log store
/// can join a line to its trace. None when there is no span (tracing off, or not sampled).
public enum LogTrace {
    public static func fields(_ context: TraceContext?) -> LogFields {
        guard let context else { return [] }
        return [("trace_id", .string(context.traceID.hex)), ("span_id", .string(context.spanID.hex))]
    }
}
