/// `SpanExportStage`'s effects as reactor effects: each export is a `POST` on one outbound
/// HTTP/1.1 connection (kept alive between exports; the stage has one export in flight, so one
/// connection is enough), its timer one `TimerID`. Still sans-IO: events in, effects out; the
/// reactor does the I/O like for any other outbound HTTP, and nothing here can block it.
///
/// Its ids live in a space of their own so any pipeline can host it: outbound connections
/// `ConnectionID.outbound(idBit | n)` and the timer `TimerID(raw: idBit)`, with `idBit` = bit 59,
/// which no rcom pipeline allocates (theirs count up from 1, or use bits 61 and 62). `owns`
/// says whether an event is the exporter's.
///
/// http only: an `https` endpoint is refused at start (`unsupportedEndpoint`), because the
/// reactor's outbound HTTP speaks no TLS; a collector on this machine or network takes http.
public struct SpanExporter {
    public static let idBit: UInt64 = 1 << 59
    public static let timerID = TimerID(raw: idBit)

    public let configuration: OTLPConfiguration
    public private(set) var stage: SpanExportStage
    private var connection: HTTPClientConnection<SpanExportStage.ExportID>?
    private var serial: UInt64 = 0

    /// Why `configuration` cannot be exported to, as a message for the command's usage error; nil when it can.
    public static func unsupportedEndpoint(_ configuration: OTLPConfiguration) -> String? {
        guard configuration.endpoint.scheme != "http" else { return nil }
        return "the OTLP endpoint must be an http:// URL: rcom's exporter speaks no TLS (run a collector or an agent on this machine or network and point OTEL_EXPORTER_OTLP_ENDPOINT at its http port, 4318)"
    }

    /// `entropy`: the jitter of retry backoffs (the process's source, so replays match).
    public init(configuration: OTLPConfiguration, entropy: EntropySource) {
        self.configuration = configuration
        stage = SpanExportStage(resource: configuration.resource, limits: configuration.limits, entropy: entropy)
    }

    public var counters: SpanExportCounters { stage.counters }
    /// Nothing queued or in flight: a process that is draining may stop.
    public var isIdle: Bool { stage.isIdle }

    /// Whether `event` is for the exporter (its connection or its timer).
    @inline(__always)
    public static func owns(_ event: ReactorEvent) -> Bool {
        switch event {
        case .connected(let id), .connectFailed(let id, _), .received(let id, _), .readClosed(let id), .closed(let id, _):
            return id.raw & (ConnectionID.outboundBit | idBit) == ConnectionID.outboundBit | idBit
        case .timer(let t):
            return t == timerID
        default:
            return false
        }
    }

    public mutating func add(_ span: SpanData, now_ns: Instant_ns) -> [ReactorEffect] {
        apply(stage.add(span, now_ns: now_ns))
    }

    /// Send what is queued without waiting for a batch to fill (the process is stopping).
    public mutating func drain(now_ns: Instant_ns) -> [ReactorEffect] {
        apply(stage.drain(now_ns: now_ns))
    }

    /// Give up: drop (and count) what is queued or in flight, close the connection.
    public mutating func abandon(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects = apply(stage.abandon(now_ns: now_ns))
        if let c = connection {
            effects.append(.close(c.id))
            connection = nil
        }
        return effects
    }

    /// An event `owns` said is the exporter's.
    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .timer:
            return apply(stage.timerFired(now_ns: now_ns))
        case .connected(let id):
            guard connection?.id == id else { return [] }
            return connection!.connected()
        case .received(let id, let bytes):
            return receive(id, bytes, now_ns: now_ns)
        case .readClosed(let id):
            return receive(id, nil, now_ns: now_ns)
        case .closed(let id, let reason), .connectFailed(let id, let reason):
            guard var c = connection, c.id == id else { return [] }
            connection = nil
            return finish(c.fail(reason: reason), now_ns: now_ns)
        default:
            return []
        }
    }

    private mutating func receive(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        guard var c = connection, c.id == id else { return [] }
        let outcomes = c.receive(bytes)
        var effects: [ReactorEffect] = []
        if c.phase == .closed || c.closing {
            // Not reused: closed once its answers are in (a later .closed event names an id we no longer hold).
            connection = nil
            effects.append(.close(id))
        } else {
            connection = c
        }
        return effects + finish(outcomes, now_ns: now_ns)
    }

    private mutating func finish(_ outcomes: [HTTPClientConnection<SpanExportStage.ExportID>.Outcome], now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        for o in outcomes {
            switch o {
            case .response(let id, let r):
                let retryAfter_ns = r.headers.retryAfter_ms.map { UInt64($0) * 1_000_000 }
                effects += apply(stage.finished(id, .answered(status: r.status, retryAfter_ns: retryAfter_ns), now_ns: now_ns))
            case .failed(let ids, _):
                for id in ids { effects += apply(stage.finished(id, .failed, now_ns: now_ns)) }
            }
        }
        return effects
    }

    private mutating func apply(_ stageEffects: [SpanExportStage.Effect]) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        for e in stageEffects {
            switch e {
            case .send(let id, let body):
                let request = OTLPExportRequest.make(body, configuration: configuration)
                if var c = connection, c.canSend, c.inFlight.isEmpty {
                    effects += c.send(request, tag: id)
                    connection = c
                } else {
                    if let old = connection { effects.append(.close(old.id)) }
                    serial += 1
                    var c = HTTPClientConnection<SpanExportStage.ExportID>(id: .outbound(Self.idBit | serial), url: configuration.endpoint)
                    let writes = c.send(request, tag: id)
                    effects.append(c.connectEffect)
                    effects += writes
                    connection = c
                }
            case .armTimer(let at):
                effects.append(.setTimer(Self.timerID, deadline_ns: at))
            case .cancelTimer:
                effects.append(.cancelTimer(Self.timerID))
            case .abandon:
                // Timed out: the collector may still be reading; reset so it cannot hold us.
                if let c = connection {
                    effects.append(.reset(c.id))
                    connection = nil
                }
            }
        }
        return effects
    }
}
