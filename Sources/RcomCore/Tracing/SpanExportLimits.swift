/// The exporter's bounds, and what happens at each (design/tracing.md has the table).
public struct SpanExportLimits: Equatable, Sendable {
    /// Spans waiting to be sent (OTEL_BSP_MAX_QUEUE_SIZE). A span past it is dropped and counted.
    public var maxQueue: Int = 2048
    /// Estimated bytes of the waiting spans; a span past it is dropped and counted, so a burst
    /// of spans at their attribute limits cannot hold more memory than this.
    public var maxQueueBytes: Int = 16 << 20
    /// Spans per request (OTEL_BSP_MAX_EXPORT_BATCH_SIZE): a full batch is sent at once.
    public var maxBatch: Int = 512
    /// Longest a span waits for its batch to fill (OTEL_BSP_SCHEDULE_DELAY).
    public var batchDelay_ns: UInt64 = 1_000_000_000
    /// An export with no answer by then is abandoned and counts as a failed attempt (OTEL_EXPORTER_OTLP_TIMEOUT).
    public var exportTimeout_ns: UInt64 = 10_000_000_000
    /// Attempts per batch, the first included; after the last failure the batch is dropped and counted.
    public var maxAttempts: Int = 5
    /// Backoff before retry n (from 1): uniform in [d/2, d], d = min(initial * 2^(n-1), max).
    public var initialBackoff_ns: UInt64 = 1_000_000_000
    public var maxBackoff_ns: UInt64 = 30_000_000_000
    /// A collector's Retry-After is honoured up to this; a longer one waits this long.
    public var maxRetryAfter_ns: UInt64 = 60_000_000_000

    public init() {}
}

/// What became of spans handed to the exporter, for `/metrics`
/// (`rcom_trace_spans_exported_total`, `rcom_trace_spans_dropped_total{reason}`).
public struct SpanExportCounters: Equatable, Sendable {
    public var exported = 0
    /// The queue was at a bound when the span came.
    public var droppedQueueFull = 0
    /// Every attempt of the span's batch failed (retryable status, connection failure, timeout).
    public var droppedRetriesExhausted = 0
    /// The collector answered with a status that must not be retried (400, 401, 404, 413 ...).
    public var droppedRejected = 0
    /// Still queued or in flight when the process gave up on exporting (drain deadline).
    public var droppedShutdown = 0
    /// Requests sent, retries included.
    public var requests = 0
    public var retries = 0

    public init() {}
    public var dropped: Int { droppedQueueFull + droppedRetriesExhausted + droppedRejected + droppedShutdown }
}

extension SpanData {
    /// A cheap over-estimate of the span's encoded size, for the queue's byte bound.
    var estimatedBytes: Int {
        func size(_ a: [SpanAttribute]) -> Int {
            a.reduce(0) { n, attr in
                if case .string(let s) = attr.value { return n + 48 + attr.key.utf8.count + s.utf8.count }
                return n + 72 + attr.key.utf8.count
            }
        }
        return 256 + name.utf8.count + context.traceState.headerLength + size(attributes)
            + events.reduce(0) { $0 + 64 + $1.name.utf8.count + size($1.attributes) }
            + status.message.utf8.count
    }
}
