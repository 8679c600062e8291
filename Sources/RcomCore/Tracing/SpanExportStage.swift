/// The OTLP exporter's logic, sans-IO: finished spans in; "POST this body" and "arm the timer
/// at T" out. The shell (the reactor) does the HTTP exchange and reports each outcome; time
/// and jitter are given, never read. One export is in flight at a time, so a slow collector
/// makes spans wait (and, past the queue's bounds, drop), never the reactor.
///
/// Retries follow the OTLP specification: 429, 502, 503 and 504, a connection failure and a
/// timeout are retried with exponential backoff and jitter (a Retry-After is honoured instead
/// of the backoff); any other answer drops the batch.
public struct SpanExportStage {
    public struct ExportID: Hashable, Sendable, CustomStringConvertible {
        public let raw: UInt64
        public var description: String { "export#\(raw)" }
    }

    public enum Effect: Equatable, Sendable {
        /// POST `body` (Content-Type: application/json) to the traces endpoint, and report the
        /// outcome with `finished(id, ...)`.
        case send(ExportID, body: [UInt8])
        /// Call `timerFired` at this instant; replaces any earlier arming (one timer).
        case armTimer(at: Instant_ns)
        case cancelTimer
        /// Stop waiting for this export (timed out or shutting down): close its connection.
        case abandon(ExportID)
    }

    public enum Outcome: Equatable, Sendable {
        /// The collector answered. `retryAfter_ns`: its Retry-After, already read as a delay.
        case answered(status: Int, retryAfter_ns: UInt64?)
        /// No answer: refused, reset, closed before the response's end, or name resolution failed.
        case failed
    }

    private struct Queued {
        let span: SpanData
        let bytes: Int
        let enqueued_ns: Instant_ns
    }

    private enum Phase {
        case sending(ExportID, deadline_ns: Instant_ns)
        case waiting(until_ns: Instant_ns)
    }

    private struct Batch {
        let body: [UInt8]
        let spans: Int
        var attempts: Int
        var phase: Phase
    }

    public let resource: OTLPResource
    public let limits: SpanExportLimits
    public private(set) var counters = SpanExportCounters()
    private let entropy: EntropySource
    private var queue = FIFO<Queued>()
    private var queuedBytes = 0
    private var batch: Batch?
    private var armed: Instant_ns?
    private var draining = false
    private var nextID: UInt64 = 0

    public init(resource: OTLPResource, limits: SpanExportLimits = SpanExportLimits(), entropy: EntropySource) {
        self.resource = resource
        self.limits = limits
        self.entropy = entropy
    }

    /// Nothing queued, nothing in flight or waiting to be retried: a draining process may exit.
    public var isIdle: Bool { queue.isEmpty && batch == nil }
    public var queuedSpans: Int { queue.count }

    public mutating func add(_ span: SpanData, now_ns: Instant_ns) -> [Effect] {
        let bytes = span.estimatedBytes
        guard queue.count < limits.maxQueue, queuedBytes + bytes <= limits.maxQueueBytes else {
            counters.droppedQueueFull += 1
            return []
        }
        queue.append(Queued(span: span, bytes: bytes, enqueued_ns: now_ns))
        queuedBytes += bytes
        return pump(now_ns: now_ns)
    }

    public mutating func timerFired(now_ns: Instant_ns) -> [Effect] {
        armed = nil
        var effects: [Effect] = []
        switch batch?.phase {
        case .sending(let id, let deadline_ns)? where now_ns >= deadline_ns:
            effects.append(.abandon(id))
            retryOrDrop(retryAfter_ns: nil, now_ns: now_ns)
        case .waiting(let until_ns)? where now_ns >= until_ns:
            effects.append(send(now_ns: now_ns))
        default: break
        }
        return effects + pump(now_ns: now_ns)
    }

    /// The outcome of an export. One for an export no longer awaited (abandoned) is ignored.
    public mutating func finished(_ id: ExportID, _ outcome: Outcome, now_ns: Instant_ns) -> [Effect] {
        guard let b = batch, case .sending(let current, _) = b.phase, current == id else { return [] }
        switch outcome {
        case .answered(let status, _) where (200...299).contains(status):
            counters.exported += b.spans
            batch = nil
        case .answered(let status, let retryAfter_ns) where [429, 502, 503, 504].contains(status):
            retryOrDrop(retryAfter_ns: retryAfter_ns, now_ns: now_ns)
        case .answered:
            counters.droppedRejected += b.spans
            batch = nil
        case .failed:
            retryOrDrop(retryAfter_ns: nil, now_ns: now_ns)
        }
        return pump(now_ns: now_ns)
    }

    /// From now on send whatever is queued without waiting for a batch to fill (drain, exit).
    public mutating func drain(now_ns: Instant_ns) -> [Effect] {
        draining = true
        return pump(now_ns: now_ns)
    }

    /// Give up (the drain deadline passed): everything queued or in flight is dropped and counted.
    public mutating func abandon(now_ns: Instant_ns) -> [Effect] {
        var effects: [Effect] = []
        if let b = batch {
            if case .sending(let id, _) = b.phase { effects.append(.abandon(id)) }
            counters.droppedShutdown += b.spans
            batch = nil
        }
        counters.droppedShutdown += queue.count
        queue.removeAll()
        queuedBytes = 0
        if armed != nil {
            armed = nil
            effects.append(.cancelTimer)
        }
        return effects
    }

    private mutating func retryOrDrop(retryAfter_ns: UInt64?, now_ns: Instant_ns) {
        guard var b = batch else { return }
        guard b.attempts < limits.maxAttempts else {
            counters.droppedRetriesExhausted += b.spans
            batch = nil
            return
        }
        let delay = retryAfter_ns.map { min($0, limits.maxRetryAfter_ns) } ?? backoff(retry: b.attempts)
        b.phase = .waiting(until_ns: now_ns + delay)
        batch = b
        counters.retries += 1
    }

    /// Uniform in [d/2, d] with d = min(initial * 2^(n-1), max): "equal jitter", so retries of
    /// many processes spread out but none comes sooner than half the nominal delay.
    private func backoff(retry n: Int) -> UInt64 {
        let shift = UInt64(min(n - 1, 40))
        let (scaled, overflow) = limits.initialBackoff_ns.multipliedReportingOverflow(by: 1 << shift)
        let d = overflow ? limits.maxBackoff_ns : min(scaled, limits.maxBackoff_ns)
        return d / 2 + entropy.next64() % (d - d / 2 + 1)
    }

    private mutating func send(now_ns: Instant_ns) -> Effect {
        nextID += 1
        let id = ExportID(raw: nextID)
        batch!.attempts += 1
        batch!.phase = .sending(id, deadline_ns: now_ns + limits.exportTimeout_ns)
        counters.requests += 1
        return .send(id, body: batch!.body)
    }

    /// Starts a batch when one is due, then arms the one timer for the next thing to happen.
    private mutating func pump(now_ns: Instant_ns) -> [Effect] {
        var effects: [Effect] = []
        if batch == nil, let oldest = queue.first,
           draining || queue.count >= limits.maxBatch || now_ns >= oldest.enqueued_ns + limits.batchDelay_ns {
            var spans: [SpanData] = []
            spans.reserveCapacity(min(queue.count, limits.maxBatch))
            while spans.count < limits.maxBatch, let q = queue.popFirst() {
                spans.append(q.span)
                queuedBytes -= q.bytes
            }
            batch = Batch(body: OTLPJSONEncoder.body(spans, resource: resource), spans: spans.count, attempts: 0,
                          phase: .waiting(until_ns: now_ns))
            effects.append(send(now_ns: now_ns))
        }
        let want: Instant_ns?
        switch batch?.phase {
        case .sending(_, let deadline_ns)?: want = deadline_ns
        case .waiting(let until_ns)?: want = until_ns
        case nil: want = queue.first.map { $0.enqueued_ns + limits.batchDelay_ns }
        }
        if want != armed {
            armed = want
            effects.append(want.map { .armTimer(at: $0) } ?? .cancelTimer)
        }
        return effects
    }
}
