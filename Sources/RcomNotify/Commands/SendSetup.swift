import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// What `rcom send` builds from its arguments and environment before delivering: settings,
/// store, entropy, and (for channels with no endpoint configured) the in-process simulator.
struct SendSetup {
    static let defaultDatabase = DataPath.defaultDirectory + "/subscriptions.sqlite"
    static let defaultPublicURL = "http://127.0.0.1:8081"

    var values: [String: String]
    var policy = DeliveryPolicy()
    /// Base of tracking links: only when `--public-url` or `--track` asks for them.
    var publicURL: String?
    /// Credentials in the settings, scrubbed from everything the command prints.
    var secrets: SecretText
    var dryRun: Bool
    var seed: UInt64?
    var simulatorFaults = ProviderFaults()
    /// This run's tracing (nil unless an OTLP endpoint is set: `OTEL_*`, see design/tracing.md).
    /// Trace ids come from the system's entropy even with --seed: two runs with one seed would
    /// otherwise send a collector the same trace ids.
    let tracing: CommandTracing?
    /// The span deliveries and store commits go under: the run's (`rcom send`) or the event's (`rcom notify`).
    var traceParent: TraceContext?

    init(_ args: ParsedArguments, environment: [String: String]) throws(UsageError) {
        values = environment.filter { $0.key.hasPrefix("RCOM_") }
        if let cc = args.string("country-code") { values["RCOM_SMS_COUNTRY_CODE"] = cc }
        secrets = SecretText(settings: ChannelSettings(values: values))
        publicURL = args.string("public-url") ?? (args.flag("track") ? Self.defaultPublicURL : nil)
        if let publicURL, case .failure(let why) = HTTPURL.parse(publicURL) {
            throw UsageError("--public-url \(TerminalText.quoted(publicURL)): \(why.reason)")
        }
        // rcom serve has no --dry-run (it records every event it accepts).
        dryRun = args.spec.options.contains { $0.name == "dry-run" } && args.flag("dry-run")
        policy.attemptsMax = try args.int("attempts", range: 1...20) ?? 4
        policy.attemptTimeout_ms = max(1, try args.duration_ms("timeout") ?? 10_000)
        policy.backoffBase_ms = max(1, try args.duration_ms("backoff", bareUnit: .milliseconds) ?? 250)
        policy.connectionsMax = try args.int("concurrency", range: 1...4096) ?? 64
        seed = try args.int("seed", range: 0...Int.max).map { UInt64($0) }
        switch ProviderFaults.parse(args.string("sim-faults") ?? "", channels: ProvidersPipeline.channels) {
        case .failure(let e): throw UsageError("--sim-faults: \(e.message)")
        case .success(let f): simulatorFaults = f
        }
        for entry in ChannelRegistry.standard {
            if let v = values[entry.endpointKey], !v.isEmpty, entry.name != WebhookChannel.name {
                if entry.name == EmailChannel.name { continue }
                if case .failure(let why) = HTTPURL.parse(v.replacingOccurrences(of: "{target}", with: "x")) {
                    // The value may be the credential itself (a Slack webhook URL): never echoed.
                    let shown = secrets.contains(v) ? " (value not shown: it is a credential)" : "=" + TerminalText.quoted(v)
                    throw UsageError("\(entry.endpointKey)\(shown): \(why.reason)")
                }
            }
        }
        try Self.checkEmail(ChannelSettings(values: values))
        switch CommandTracing.make(environment, serviceName: "rcom-" + args.spec.name, version: RcomBuild.version, entropy: SystemEntropy()) {
        case .failure(let e): throw UsageError(e.description)
        case .success(let t): tracing = t
        }
        traceParent = tracing.flatMap { _ in TraceContext.extract(traceparent: environment["TRACEPARENT"], tracestate: environment["TRACESTATE"]) }
    }

    /// The sink every delivery run writes through: the store, with a span per commit when tracing.
    func storeSink(_ store: NotificationStore?, onReport: @escaping (DeliveryReport) -> Void = { _ in }) -> StoreSink {
        StoreSink(store: store, tracing: tracing, parent: traceParent, onReport: onReport)
    }

    /// `body` (one store commit) inside a `store commit` span when tracing; its error as the span's status.
    func committing<R>(_ operation: String, _ attributes: [SpanAttribute] = [], _ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        guard let tracing else { return try body() }
        var span = tracing.start("store commit", parent: traceParent, attributes: [SpanAttribute("rcom.store.op", .string(operation))] + attributes)
        defer { tracing.end(span) }
        do { return try body() } catch {
            span.setStatus(SpanStatus(.error, message: error.description))
            throw error
        }
    }

    /// A span around a whole run (`rcom send`, `rcom notify`), its exit code as status;
    /// deliveries and commits go under it. Flushes the exporter at the end (bounded:
    /// `CommandTracing.flushBound_ns`).
    func traced(_ name: String, attributes: [SpanAttribute] = [], _ body: (SendSetup) -> Int32) -> Int32 {
        let (code, _) = spanned(name, attributes: attributes, body)
        tracing?.finish()
        return code
    }

    /// `body` inside a span (no flush: `rcom serve`'s due events, each its own trace); the
    /// span's context when it was sampled (for a log line's `trace_id` and `span_id`).
    func spanned(_ name: String, attributes: [SpanAttribute] = [], _ body: (SendSetup) -> Int32) -> (Int32, TraceContext?) {
        guard let tracing else { return (body(self), nil) }
        var span = tracing.start(name, parent: traceParent, attributes: attributes)
        var inner = self
        inner.traceParent = span.context
        let code = body(inner)
        span.setAttribute("rcom.exit_code", .int(Int64(code)))
        span.setStatus(code == ExitCode.success ? SpanStatus(.ok) : SpanStatus(.error, message: "exit code \(code)"))
        tracing.end(span)
        return (code, span.isRecording ? span.context : nil)
    }

    /// Settings a channel needs against its configured endpoint and lacks (credentials are
    /// never defaulted outside the simulator): the message for exit 2, or nil.
    func missingSettings(for channels: [String]) -> String? {
        let settings = ChannelSettings(values: values)
        let missing = ChannelRegistry.standard.filter { channels.contains($0.name) }.compactMap { e -> String? in
            let keys = e.missingSettings(settings)
            return keys.isEmpty ? nil : "\(e.endpointKey) is set, so \(e.name) needs \(keys.joined(separator: ", ")) (unset or empty)"
        }
        return missing.isEmpty ? nil : missing.joined(separator: "; ")
    }

    /// Where a request went, for the person sending, with the credential parts redacted.
    func destination(_ request: ProviderRequest, simulator settings: ChannelSettings?) -> String {
        switch request {
        case .http(let url, _):
            if let s = settings?.simulatorHTTP, url.host == s.host, url.port == s.port { return RequestRendering.simulatorLabel }
            return secrets.scrub(url.description)
        case .smtp(let endpoint, _):
            if let s = settings?.simulatorSMTP, endpoint.host == s.host, endpoint.port == s.port { return RequestRendering.simulatorLabel }
            return secrets.scrub(endpoint.description)
        }
    }

    /// Everything `rcom send` writes to stderr goes through here: credentials scrubbed.
    func say(_ text: String) { Terminal.stderr(secrets.scrub(text)) }
    func error(_ text: String) { Terminal.error(secrets.scrub(text)) }

    /// The relay's URL and credentials (never quoted back: they may hold a password) and the CA
    /// file, which is loaded now so a wrong path is a usage error rather than a failed delivery.
    static func checkEmail(_ settings: ChannelSettings) throws(UsageError) {
        if let from = settings.value("RCOM_MAIL_FROM"), case .failure(let why) = Mailbox.parse(from) {
            throw UsageError("RCOM_MAIL_FROM=\(TerminalText.quoted(from)): \(why.message); expected an address or Name <address>")
        }
        switch SMTPEndpoint.configured(settings) {
        case .failure(let why)?: throw UsageError("\(EmailChannel.endpointKey): \(why.message)")
        case .success(let relay)?:
            if relay.caFile != nil || relay.security != .startTLSIfOffered {
                do { _ = try TLSClientContext.shared(caFile: relay.caFile) } catch { throw UsageError("RCOM_CA_FILE: \(error.message)") }
            }
        case nil: break
        }
    }

    /// Channels with no endpoint configured use the simulator.
    func needsSimulator(_ channels: [String]) -> Bool {
        channels.contains { name in
            guard let e = ChannelRegistry.standard.first(where: { $0.name == name }) else { return false }
            return (values[e.endpointKey] ?? "").isEmpty
        }
    }

    /// Whether a request built on default settings (`--dry-run`) is for the in-process simulator:
    /// no endpoint configured for the channel, and the request goes to the simulator's placeholder
    /// address (a webhook's URL target goes where it says).
    func isSimulated(_ request: ProviderRequest, channel: String) -> Bool {
        guard needsSimulator([channel]) else { return false }
        let d = ChannelSettings()
        switch request {
        case .http(let url, _): return url.host == d.simulatorHTTP.host && url.port == d.simulatorHTTP.port
        case .smtp(let endpoint, _): return endpoint.host == d.simulatorSMTP.host && endpoint.port == d.simulatorSMTP.port
        }
    }

    func entropy(_ stream: UInt64) -> EntropySource {
        guard let seed else { return SystemEntropy() }
        return SeededEntropy(seed: seed &+ stream &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Where notification ids come from. With --seed they are reproducible for a given store:
    /// the stream also depends on how many notifications the store holds already, so the same
    /// command run again on the same database draws new ids instead of repeating the earlier
    /// run's (which failed on the primary key, with SQLite's words).
    func idEntropy(store: (any NotificationStore)?) -> EntropySource {
        guard let seed else { return SystemEntropy() }
        let held = Int64((try? store?.notificationCount()) ?? 0)
        return SeededEntropy(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &+ UInt64(max(held, 0)) &* 0xBF58_476D_1CE4_E5B9)
    }

    /// Where the store is: --db (a path or a postgres:// URL) when given, else
    /// RCOM_DATABASE_URL, else the default SQLite file.
    static func location(_ args: ParsedArguments) -> Result<StoreLocation, TargetError> {
        do {
            return .success(try StoreLocation.select(given: args.isSet("db") ? args.string("db") : nil,
                                                     defaultPath: args.string("db") ?? defaultDatabase,
                                                     environment: ProcessInfo.processInfo.environment))
        } catch {
            return .failure(TargetError(error.description))
        }
    }

    /// Opens (creating if needed) the store --db names; for an SQLite file only the default data
    /// directory is created for it (`DataPath`).
    static func openStore(_ args: ParsedArguments) -> Result<any NotificationStore & ClickRecorder, TargetError> {
        let location: StoreLocation
        switch Self.location(args) {
        case .failure(let e): return .failure(e)
        case .success(let l): location = l
        }
        if case .sqlite(let path) = location {
            do throws(DataPathError) { try DataPath.prepareParent(of: path, option: "--db") } catch {
                return .failure(TargetError(error.message))
            }
        }
        do { return .success(try openNotificationStore(location)) } catch { return .failure(TargetError(error.description)) }
    }

    /// The channel settings for a run over `channels`: the configured endpoints, and the
    /// in-process simulator (started here; the caller stops it) for any channel without one.
    func endpoints(for channels: [String]) -> Result<(simulator: BackgroundReactor<ProvidersPipeline>?, settings: ChannelSettings), TargetError> {
        guard needsSimulator(channels) else { return .success((nil, ChannelSettings(values: values))) }
        return startSimulator().map { ($0.0, $0.1) }
    }

    /// Starts the in-process simulator: HTTP and SMTP on kernel-chosen loopback ports.
    private func startSimulator() -> Result<(BackgroundReactor<ProvidersPipeline>, ChannelSettings), TargetError> {
        var config = ProvidersConfig()
        config.faults = simulatorFaults
        config.seed = seed ?? SystemEntropy().next64()
        do {
            let sim = try BackgroundReactor(ProvidersPipeline(config: config), ports: [0, 0])
            let settings = ChannelSettings(values: values, simulatorHTTP: HTTPURL(host: "127.0.0.1", port: sim.ports[0]),
                                           simulatorSMTP: SMTPEndpoint(host: "127.0.0.1", port: sim.ports[1]))
            return .success((sim, settings))
        } catch {
            return .failure(TargetError("cannot start the provider simulator: \(error.message)"))
        }
    }

    /// `deliver` for a batch (`--batch`, with signals): the store defers its upkeep meanwhile
    /// (`NotificationStore.beginBatch`, `endBatch`); a failure there is said, not fatal.
    func deliverBatch(feed: NotificationFeed, sink: DeliverySink, store: (any NotificationStore)?) -> SendPipeline {
        do { try store?.beginBatch() } catch { Terminal.error("the store's batch mode is off: \(error.description)") }
        defer {
            do { try store?.endBatch() } catch { Terminal.error("could not finish the batch's writes: \(error.description)") }
        }
        return deliver(feed: feed, sink: sink, signals: true)
    }

    /// Runs the send pipeline on a reactor on this thread until it stops. The feed and the sink
    /// (both SQLite) run on a `StoreWorker` thread; `feed` and `sink` may be read again once this
    /// returns.
    /// With tracing, the deliveries' spans (`DeliveryTracing`) go under `traceParent`.
    func deliver(feed: NotificationFeed, sink: DeliverySink, signals: Bool) -> SendPipeline {
        let stage = DeliveryStage(policy: policy, entropy: entropy(2))
        let carrier = URLSessionCarrier()
        let worker = StoreWorker(feed: feed, sink: sink)
        let spans = tracing.map { DeliveryTracing(tracer: Tracer(sampler: $0.sampler, entropy: $0.entropy), parent: traceParent) }
        let reactor = Reactor(pipeline: SendPipeline(stage: stage, source: worker, sink: worker, carrier: carrier,
                                                     tracing: spans, spanSink: tracing?.exporter))
        carrier.attach(reactor.wakeup)
        worker.start(door: reactor.wakeup)
        if signals { reactor.handleTerminationSignals() }
        reactor.wakeup.post(SendPipeline.startEvent(wall_ms: MonotonicClock.wall_ms(), unix_ns: tracing?.now_unixNano()))
        _ = reactor.run()
        return reactor.pipeline
    }
}
