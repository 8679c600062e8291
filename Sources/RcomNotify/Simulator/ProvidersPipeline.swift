import RcomCore

/// `rcom providers`: the SMS, Slack, webhook and SMTP providers in one sans-IO pipeline.
/// Listener 0 serves HTTP (Twilio-style SMS, Slack webhooks, generic webhooks), listener 1
/// speaks SMTP. Faults and clicks come from seeded generators, so a seed replays a run.
public struct ProvidersPipeline: EventPipeline {
    public let config: ProvidersConfig
    public private(set) var stats = ProviderStats()
    public private(set) var captured: [CapturedRequest] = []
    /// Called for each captured request (the command prints it); on the reactor thread.
    public var observer: ((CapturedRequest) -> Void)?

    private enum Connection {
        /// Its HTTP lives in `server`. Hung: a timeout fault, this connection never answers again.
        case http(hung: Bool)
        case smtp(SMTPServerSession)
        case click(HTTPClientConnection<Int>)
    }

    private var connections: [ConnectionID: Connection] = [:]
    /// Every HTTP connection's HTTP (order, keep-alive, HEAD, 501, timeouts) lives here.
    private var server: HTTPServerTable
    /// The server table's timer; the pipeline arms no other.
    static let serverTimer = TimerID(raw: 1 << 61)
    /// Three generators seeded from the injected source, so adding a fault rule does not move
    /// the message ids. Made at the first event (its draws are recorded with it), so a trace
    /// replays with `ReplayEntropy`.
    private struct Streams {
        let ids: SeededEntropy
        var faults: FaultDice
        let clickSeed: UInt64
    }
    private let entropy: EntropySource
    private var streams: Streams?
    private var ids: SeededEntropy { streams!.ids }
    private var clickQueue: [HTTPURL] = []
    private var clickHead = 0
    private var clicksInFlight = 0
    private var nextClick: UInt64 = 0

    public static let channels = ["email", "sms", "slack", "webhook"]
    var serverCounters: HTTPServerTable.Counters { server.counters }
    var connectionCount: Int { server.count }

    /// Randomness from `config.seed`.
    public init(config: ProvidersConfig) {
        self.init(config: config, entropy: SeededEntropy(seed: config.seed))
    }

    public init(config: ProvidersConfig, entropy: EntropySource) {
        self.config = config
        self.entropy = entropy
        // The reactor's descriptor limit bounds the connections; the timeouts shed slow clients.
        server = HTTPServerTable(config.server, timerID: Self.serverTimer)
        server.serverName = "providers"
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        if streams == nil {
            streams = Streams(ids: SeededEntropy(seed: entropy.next64()),
                              faults: FaultDice(config.faults, dice: SeededEntropy(seed: entropy.next64())),
                              clickSeed: entropy.next64())
        }
        switch event {
        case .accepted(let id, let listener):
            if listener == 1 {
                connections[id] = .smtp(SMTPServerSession(messageBytesMax: config.smtpMessageBytesMax))
                return [.write(id, SMTPServerSession.greeting)]
            }
            connections[id] = .http(hung: false)
            return server.accepted(id, now_ns: now_ns)
        case .connected(let id):
            guard case .click(var c)? = connections[id] else { return [] }
            let effects = c.connected()
            connections[id] = .click(c)
            return effects
        case .received(let id, let bytes):
            return receive(id, bytes, now_ns: now_ns)
        case .readClosed(let id):
            return receive(id, nil, now_ns: now_ns)
        case .closed(let id, let reason), .connectFailed(let id, let reason):
            guard let c = connections.removeValue(forKey: id) else { return [] }
            server.closed(id)
            if case .click(var client) = c {
                if !client.fail(reason: reason).isEmpty { stats.clicksFailed += 1 }
                clicksInFlight -= 1
                return pumpClicks()
            }
            return []
        case .shutdown:
            return [.stop(exitCode: 0)]
        case .timer(Self.serverTimer):
            return server.timer(now_ns: now_ns)
        case .timer, .wakeup:
            return []
        }
    }

    private mutating func receive(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        // Each connection's state is taken out of the table while it is edited, so its buffers
        // are uniquely referenced and not copied per chunk; every branch puts it back.
        switch connections.removeValue(forKey: id) {
        case .http(let hung)?:
            connections[id] = .http(hung: hung)
            return serveHTTP(id, bytes, now_ns: now_ns)
        case .smtp(var s)?:
            guard let bytes else {
                connections[id] = .smtp(s)
                return [.close(id)]
            }
            let outputs = s.receive(bytes)
            connections[id] = .smtp(s)
            return smtpOutputs(id, outputs)
        case .click(var c)?:
            var effects: [ReactorEffect] = []
            for outcome in c.receive(bytes) {
                switch outcome {
                case .response(_, let r):
                    if r.status < 400 { stats.clicksAnswered += 1 } else { stats.clicksFailed += 1 }
                case .failed:
                    stats.clicksFailed += 1
                }
                effects.append(.close(id))
            }
            connections[id] = .click(c)
            return effects
        case nil:
            return []
        }
    }

    // MARK: - HTTP providers

    private mutating func serveHTTP(_ id: ConnectionID, _ bytes: [UInt8]?, now_ns: Instant_ns) -> [ReactorEffect] {
        let (requests, reading) = server.received(id, bytes, now_ns: now_ns)
        var effects = reading
        for (ref, request) in requests {
            // After a timeout fault the provider has stopped listening: later requests go unread.
            guard case .http(hung: false)? = connections[id] else { break }
            effects += answer(ref, request, now_ns: now_ns)
        }
        return effects
    }

    private mutating func answer(_ ref: RequestRef, _ request: HTTPRequest, now_ns: Instant_ns) -> [ReactorEffect] {
        let id = ref.connection
        func respond(_ r: HTTPResponse) -> [ReactorEffect] { server.respond(ref, r, now_ns: now_ns) }
        switch SimulatedHTTPProviders.route(request, entropy: ids) {
        case .answer(let r):
            return respond(r)
        case .stats:
            return respond(.json(200, Array(stats.json.utf8)))
        case .health:
            return respond(.json(200, Array(config.build.healthJSON.utf8)))
        case .metrics:
            return respond(.metrics(metricsPage))
        case .call(let call):
            stats.requests[call.channel, default: 0] += 1
            let fault = streams!.faults.roll(channel: call.channel)
            let response: HTTPResponse?
            switch fault {
            case nil: response = call.accepted
            case .serverError?: response = .error(500, "simulated server error")
            case .rateLimited?:
                var r = call.channel == "slack" ? SimulatedHTTPProviders.text(429, "rate_limited")
                    : SimulatedHTTPProviders.twilioError(429, 20429, "Too Many Requests")
                r.headers.add("Retry-After", String(config.retryAfter_s))
                response = r
            case .reject?: response = call.rejected
            case .timeout?, .reset?: response = nil
            }
            if fault == nil {
                stats.accepted[call.channel, default: 0] += 1
            } else {
                stats.faulted[call.channel, default: 0] += 1
            }
            let answerText = response.map { "\($0.status) \($0.reason)" } ?? (fault == .timeout ? "no answer (timeout fault)" : "connection reset (fault)")
            capture(CapturedRequest(channel: call.channel, target: call.target, text: call.text, http: request,
                                    smtpCommands: [], smtpMessage: [], answer: answerText))
            if fault == nil { engage(call.channel, call.text) }
            guard let response else {
                if fault == .reset { return [.reset(id)] + pumpClicks() }
                connections[id] = .http(hung: true)
                return pumpClicks()
            }
            return respond(response) + pumpClicks()
        }
    }

    // MARK: - SMTP relay

    private mutating func smtpOutputs(_ id: ConnectionID, _ outputs: [SMTPServerSession.Output]) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        for o in outputs {
            switch o {
            case .write(let bytes): effects.append(.write(id, bytes))
            case .close: effects.append(.close(id))
            case .message(_, let to, let data): effects += smtpMessage(id, to: to, data: data)
            }
        }
        return effects
    }

    private mutating func smtpMessage(_ id: ConnectionID, to: [String], data: [UInt8]) -> [ReactorEffect] {
        guard case .smtp(var s)? = connections[id] else { return [] }
        stats.requests["email", default: 0] += 1
        let fault = streams!.faults.roll(channel: "email")
        let reply: String?
        var closeAfter = false
        switch fault {
        case nil: reply = "250 2.0.0 Ok: queued as SIM\(ids.hexToken(bits: 64).uppercased())"
        case .serverError?: reply = "451 4.3.0 Temporary failure, please try again later"
        case .rateLimited?:
            reply = "421 4.7.0 Too many messages, slow down"
            closeAfter = true
        case .reject?: reply = "550 5.1.1 Recipient address rejected: mailbox unavailable"
        case .timeout?, .reset?: reply = nil
        }
        if fault == nil { stats.accepted["email", default: 0] += 1 } else { stats.faulted["email", default: 0] += 1 }
        let body = Self.mailBody(data)
        capture(CapturedRequest(channel: "email", target: to.joined(separator: ","), text: body, http: nil,
                                smtpCommands: s.transcript, smtpMessage: data,
                                answer: reply ?? (fault == .timeout ? "no answer (timeout fault)" : "connection reset (fault)")))
        if fault == nil { engage("email", body) }
        guard let reply else { return fault == .reset ? [.reset(id)] + pumpClicks() : pumpClicks() }
        let outputs = s.verdict(reply, close: closeAfter)
        connections[id] = .smtp(s)
        return smtpOutputs(id, outputs) + pumpClicks()
    }

    /// The text after the header section.
    static func mailBody(_ data: [UInt8]) -> String {
        let text = String(decoding: data, as: UTF8.self)
        guard let r = text.range(of: "\r\n\r\n") else { return text }
        return String(text[r.upperBound...])
    }

    // MARK: - Record and clicks

    private mutating func capture(_ c: CapturedRequest) {
        observer?(c)
        if captured.count < config.capturedMax { captured.append(c) } else { stats.capturedDropped += 1 }
    }

    /// The simulated recipient clicks the tracking link with the channel's probability.
    private mutating func engage(_ channel: String, _ text: String) {
        guard let p = config.engage[channel], p > 0, let link = Self.trackingLink(in: text) else { return }
        // Keyed by the link rather than drawn in arrival order: one seed clicks the same messages
        // however concurrent deliveries interleave.
        guard Self.unit(seed: streams!.clickSeed, key: link.description) < p else { return }
        guard clickQueue.count - clickHead < config.clickQueueMax else {
            stats.clicksDropped += 1
            return
        }
        clickQueue.append(link)
        stats.clicksQueued += 1
    }

    /// Uniform in [0, 1) from a seed and a key (FNV-1a, then SplitMix64).
    static func unit(seed: UInt64, key: String) -> Double {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return SeededEntropy(seed: seed ^ h).unit()
    }

    static func trackingLink(in text: String) -> HTTPURL? {
        for word in text.split(whereSeparator: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" || $0 == "|" }) where word.contains("/e/") {
            if let url = HTTPURL(String(word)), url.scheme == "http" { return url }
        }
        return nil
    }

    private mutating func pumpClicks() -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        while clicksInFlight < config.clicksInFlightMax, clickHead < clickQueue.count {
            let url = clickQueue[clickHead]
            clickHead += 1
            nextClick += 1
            clicksInFlight += 1
            var c = HTTPClientConnection<Int>(id: .outbound(nextClick), url: url)
            var h = HTTPHeaders()
            h.add("Host", url.hostHeader)
            h.add("User-Agent", "rcom-providers-simulator")
            h.add("Connection", "close")
            effects.append(c.connectEffect)
            effects += c.send(HTTPRequest(method: "GET", target: url.target, headers: h), tag: 0)
            connections[c.id] = .click(c)
        }
        if clickHead > 1024 && clickHead * 2 > clickQueue.count {
            clickQueue.removeFirst(clickHead)
            clickHead = 0
        }
        return effects
    }
}
