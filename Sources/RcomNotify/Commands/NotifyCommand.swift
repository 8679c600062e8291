import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// `rcom notify CLIENT EVENT -m MESSAGE`: the client's rules make a plan (`RoutingStage`), the
/// plan is shown and recorded as one event, and its deliveries go through `rcom send`'s channel
/// stages (`SendSetup.deliver`), each recorded under the event's id.
public enum NotifyCommand: Command {
    public static let exitUnrouted: Int32 = 4

    /// The options `rcom send` already has for delivering, with the same meaning.
    static let deliveryOptions: Set<String> = ["country-code", "attempts", "timeout", "backoff", "concurrency", "seed",
                                               "sim-faults", "public-url", "track", "verbose"]

    public static let spec = CommandSpec(
        name: "notify",
        summary: "Notify a client of an event, the way its rules say (rcom clients)",
        usage: "notify CLIENT EVENT -m MESSAGE [--urgent] [--key KEY] [--dry-run] [--json] [--db PATH|URL]\n       rcom notify --batch FILE\n       rcom notify --run-due",
        options: [
            OptionSpec("message", short: "m", value: "TEXT", help: "The message", env: "RCOM_MESSAGE"),
            OptionSpec("urgent", help: "Deliver now even in the client's quiet hours", env: "RCOM_NOTIFY_URGENT"),
            OptionSpec("key", value: "KEY", help: "Idempotency key: the same key for the same client never notifies twice", env: "RCOM_NOTIFY_KEY"),
            OptionSpec("dry-run", help: "Show the plan; send and record nothing", env: "RCOM_DRY_RUN"),
            OptionSpec("record", value: "FILE", help: "Write the routing stage's inputs and plans as a trace (rcom replay FILE runs them again)",
                       env: "RCOM_NOTIFY_RECORD"),
            OptionSpec("batch", value: "FILE", help: "Notify every row of a CSV file client,event,message[,urgent,key]", env: "RCOM_NOTIFY_BATCH"),
            OptionSpec("run-due", help: "Send the held and escalating events now due (cron, like send --retry-pending; under a lease)",
                       env: "RCOM_NOTIFY_RUN_DUE"),
            OptionSpec("at", value: "TIME", help: "Route as if it were TIME (UTC, 2026-03-28T22:30:00Z): quiet hours on another day, with --dry-run a what-if",
                       env: "RCOM_NOTIFY_AT"),
            ClientsSetup.jsonOption, ClientsSetup.dbOption,
        ] + SendCommand.spec.options.filter { deliveryOptions.contains($0.name) },
        positionalsMax: 2,
        discussion: """
        The client's most specific rule for EVENT (exact, then the longest prefix a.b.*, then *)
        names the channels and the mode: all (every channel at once), fallback (the next channel
        only when the previous one failed after its retries or its addresses are suppressed),
        escalate (the first channel now; the later ones are recorded for when no acknowledgement
        came within the rule's after). In the client's quiet hours a non-urgent event is held: it
        is recorded with the time they end, and nothing is sent now. Suppressed addresses are never
        sent to. --run-due (from cron, every minute) sends the held events whose quiet hours are
        over and the next step of escalations not acknowledged (rcom track's /a/ID) in time; each
        run claims what is due under a 10-minute lease, so overlapping runs never send one twice.
        Deliveries use rcom send's channels, providers and options (see rcom send --help).
        --batch FILE --dry-run prints each row's plan (--json: one object per row) and records
        and sends nothing.

        Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT (an OpenTelemetry collector's http://host:4318) a
        trace per event goes there: the event, its routing decision, each notification, each
        attempt (with the provider's status) and each store commit, flushed at exit within 3 s
        (OTEL_* variables: design/tracing.md).

        Exit codes: 0 delivered (on at least one channel), held, muted, or already notified under
        this --key; 1 delivery failed (or a store error); 2 usage error, unknown client (the
        nearest ids are named) or a provider's missing settings; 3 every address suppressed;
        4 unrouted (no rule routes the event; recorded, with the reason).

        Examples:
          rcom notify acme db.disk_high -m "disk 91% on db-1"
          rcom notify acme incident.down -m "api down" --urgent --key incident-4711
          rcom notify --batch events.csv --dry-run
        """)

    /// The suppression answers the routing stage takes as input (it reads no store itself).
    static func suppressionAnswers(_ client: ClientDefinition, _ store: NotificationStore) throws(StoreError) -> Set<ChannelTarget> {
        var suppressed: Set<ChannelTarget> = []
        for t in client.targets(EmailChannel.name) where try store.isSuppressed(emailKey: EmailAddress.suppressionKey(t)) {
            suppressed.insert(ChannelTarget(EmailChannel.name, t))
        }
        return suppressed
    }

    /// The delivery setup and the routing time every form of notify needs; nil after saying why
    /// (exit 2). `elsewhere`: the form takes its events from elsewhere (--batch: the file,
    /// --run-due: the store), so CLIENT, EVENT, -m and --key are refused, naming it.
    static func prepare(_ args: ParsedArguments, elsewhere: String? = nil) -> (setup: SendSetup, now: Int64)? {
        if let elsewhere, !args.positionals.isEmpty || args.string("message") != nil || args.string("key") != nil {
            Terminal.error("\(elsewhere); drop CLIENT, EVENT, -m and --key")
            return nil
        }
        do { return (try SendSetup(args, environment: ProcessInfo.processInfo.environment), try now(args)) } catch {
            Terminal.error(error.message)
            return nil
        }
    }

    /// The endpoints of `channels` (the in-process simulator for those with none configured,
    /// started here: the caller stops it) and the service preparing notifications on them.
    static func service(_ setup: SendSetup, _ store: ClientsSetup.Store, channels: [String]) -> (BackgroundReactor<ProvidersPipeline>?, NotificationService)? {
        switch setup.endpoints(for: channels) {
        case .failure(let why):
            setup.error(why.message)
            return nil
        case .success(let (simulator, settings)):
            return (simulator, NotificationService(registry: ChannelRegistry(settings: settings), store: store,
                                                   entropy: setup.idEntropy(store: store), publicURL: setup.publicURL,
                                                   wall_ms: { MonotonicClock.wall_ms() }))
        }
    }

    /// "now", or --at's time.
    static func now(_ args: ParsedArguments) throws(UsageError) -> Int64 {
        guard let at = args.string("at") else { return MonotonicClock.wall_ms() }
        guard let date = ISO8601DateFormatter().date(from: at) else {
            throw UsageError("--at expects a UTC time such as 2026-03-28T22:30:00Z, got \(TerminalText.quoted(at))")
        }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func run(_ args: ParsedArguments) -> Int32 {
        if args.flag("run-due") { return NotifyDue.run(args) }
        if let batch = args.string("batch") { return NotifyBatch.run(args, path: batch) }
        guard args.positionals.count == 2, let message = args.string("message") else {
            Terminal.error("usage: rcom notify CLIENT EVENT -m MESSAGE (see rcom notify --help)")
            return ExitCode.usage
        }
        let (clientID, event) = (args.positionals[0], args.positionals[1])
        guard let (setup, now) = prepare(args) else { return ExitCode.usage }
        if let key = args.string("key"), key.isEmpty || key.utf8.count > 200 {
            Terminal.error("--key must be 1 to 200 bytes")
            return ExitCode.usage
        }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        let client: ClientDefinition
        switch ClientsSetup.load(store, id: clientID) {
        case .failure(let e): Terminal.error(e.description); return ExitCode.failure
        case .success(nil): Terminal.error(ClientsSetup.unknown(clientID, store: store)); return ExitCode.usage
        case .success(let c?): client = c
        }
        let suppressed: Set<ChannelTarget>
        do { suppressed = try suppressionAnswers(client, store) } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        let input = RoutingStage.Input(client: client, event: event, urgent: args.flag("urgent"), now_ms: now, suppressed: suppressed)
        let attributes = [SpanAttribute("rcom.client", .string(client.id)), SpanAttribute("rcom.event.type", .string(event))]
        return setup.traced("rcom notify", attributes: attributes) { setup in
            let plan = route(input, setup: setup)
            if let path = args.string("record") {
                do throws(UsageError) { try RoutingTraceWriter(path: path).write(input, plan) } catch {
                    Terminal.error(error.message)
                    return ExitCode.usage
                }
            }
            let run = NotifyRun(setup: setup, store: store, client: client, event: event, message: message, plan: plan,
                                urgent: args.flag("urgent"), key: args.string("key"), json: args.flag("json"), verbose: args.flag("verbose"), now_ms: now)
            return run.execute()
        }
    }

    /// The routing stage's plan, with a `route` span (client, event type, rule, mode, channels)
    /// when tracing. The stage itself stays clock- and id-free: the span is made around it.
    static func route(_ input: RoutingStage.Input, setup: SendSetup) -> RoutePlan {
        guard let tracing = setup.tracing else { return RoutingStage.plan(input) }
        var span = tracing.start("route", parent: setup.traceParent, attributes: [
            SpanAttribute("rcom.client", .string(input.client.id)), SpanAttribute("rcom.event.type", .string(input.event)),
            SpanAttribute("rcom.urgent", .bool(input.urgent)),
        ])
        let plan = RoutingStage.plan(input)
        span.setAttribute("rcom.route.status", .string(plan.status.rawValue))
        if let rule = plan.rule { span.setAttribute("rcom.rule", .string(rule.event.description)) }
        if let mode = plan.mode { span.setAttribute("rcom.mode", .string(mode.rawValue)) }
        span.setAttribute("rcom.channels", .string(plan.steps.map(\.channel).joined(separator: ",")))
        if let experiment = plan.experiment { span.setAttribute("rcom.experiment", .string(experiment)) }
        if let reason = plan.reason { span.setAttribute("rcom.route.reason", .string(reason)) }
        if plan.status == .unrouted { span.setStatus(SpanStatus(.error, message: plan.reason ?? "unrouted")) }
        tracing.end(span)
        return plan
    }
}
