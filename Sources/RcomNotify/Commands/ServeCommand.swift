import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor
import RcomServer
import RcomStore

/// `rcom serve`: the notification service. Events come in over HTTP (`/v1`, API keys), are
/// committed in groups by the store worker, and are carried out in-process by the due runner
/// through `rcom send`'s delivery path, with the held and escalating schedule of `--run-due`.
public enum ServeCommand: Command {
    public static let spec = CommandSpec(
        name: "serve",
        summary: "The notification service: an HTTP API for events and clients, deliveries in-process",
        usage: "serve [--listen 127.0.0.1:8082] [--admin-listen HOST:PORT] [--db PATH|URL] [--rate 100/s] [--burst 200] [--drain-timeout 30s] [--lease 10m] [--delivery-batch 100] [--no-deliveries] [--record FILE]\n       rcom serve keys create|list|revoke ...",
        options: [
            OptionSpec("listen", value: "HOST:PORT", help: "The API's address (0.0.0.0:PORT: every interface)", default: "127.0.0.1:8082", env: "RCOM_SERVE_LISTEN"),
            OptionSpec("admin-listen", value: "HOST:PORT", help: "Serve /metrics, /healthz and /readyz here and only here (default: with the API)", env: "RCOM_SERVE_ADMIN_LISTEN"),
            ClientsSetup.dbOption,
            OptionSpec("rate", value: "N/s", help: "Requests a second per API key (token bucket)", default: "100/s", env: "RCOM_SERVE_RATE"),
            OptionSpec("burst", value: "N", help: "A key's bucket size", default: "200", env: "RCOM_SERVE_BURST"),
            OptionSpec("drain-timeout", value: "DURATION", help: "On SIGTERM: how long to finish what is in flight before exiting", default: "30s", env: "RCOM_SERVE_DRAIN_TIMEOUT"),
            OptionSpec("lease", value: "DURATION", help: "How long a claimed event is this instance's; after a crash, others take it after this", default: "10m", env: "RCOM_SERVE_LEASE"),
            OptionSpec("no-deliveries", help: "Accept and record only: other instances (or rcom notify --run-due) deliver", env: "RCOM_SERVE_NO_DELIVERIES"),
            OptionSpec("sync", value: "normal|full", help: "SQLite: when a committed event is safe: normal, from a crash of the process (fsync at checkpoints); full, from a power loss too (fsync per group commit)", default: "normal", env: "RCOM_SERVE_SYNC"),
            OptionSpec("delivery-batch", value: "N", help: "Accepted events delivered together (one claim, one run of the send pipeline); a crash may repeat up to this many", default: "100", env: "RCOM_SERVE_DELIVERY_BATCH"),
            OptionSpec("poll", value: "DURATION", help: "How often held and escalating events are looked for", default: "1s", env: "RCOM_SERVE_POLL"),
        ] + ServerOptions.limitOptions + [ServerRunner.recordOption, ServerRunner.pollerOption] + LogOptions.options
            + SendCommand.spec.options.filter { NotifyCommand.deliveryOptions.contains($0.name) },
        discussion: """
        POST /v1/events {"client","event","message","urgent"} (Idempotency-Key header optional) is
        answered 202 {"id","status"} once the event is committed; GET /v1/events/ID shows the plan
        and each delivery. PUT/GET/DELETE /v1/clients/ID and GET /v1/clients take the schema of
        rcom clients apply. GET /v1/stats is rcom stats --json. Every /v1 request needs
        Authorization: Bearer KEY (rcom serve keys create). /healthz, /readyz, /metrics for the
        operator (with --admin-listen only there). SIGTERM drains. See design/api.md.
        Deliveries use rcom send's channels, providers and options (see rcom send --help).
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        let logger: Logger, limits: HTTPServerLimits, poller: PollerKind, setup: SendSetup
        let listen: (host: String, port: Int), admin: (host: String, port: Int)?
        let rate: Double, burst: Int, drain_ms: Int64, lease_ms: Int64, poll_ms: Int64, deliveryBatch: Int, syncFull: Bool
        do throws(UsageError) {
            logger = try LogOptions.logger(args)
            limits = try ServerOptions.limits(args, http: bodyLimits)
            poller = try ServerRunner.poller(args)
            listen = try ServerOptions.address(args, "listen") ?? ("127.0.0.1", 8082)
            admin = try ServerOptions.address(args, "admin-listen")
            rate = try Self.rate(args.string("rate") ?? "100/s")
            burst = try args.int("burst", range: 1...1_000_000) ?? 200
            drain_ms = try args.duration_ms("drain-timeout") ?? 30_000
            lease_ms = max(1_000, try args.duration_ms("lease") ?? 600_000)
            poll_ms = max(10, try args.duration_ms("poll") ?? 1_000)
            deliveryBatch = try args.int("delivery-batch", range: 1...1_000) ?? 100
            switch args.string("sync") ?? "normal" {
            case "normal": syncFull = false
            case "full": syncFull = true
            case let other: throw UsageError("--sync expects normal or full, got \(TerminalText.quoted(other))")
            }
            setup = try SendSetup(args, environment: ProcessInfo.processInfo.environment)
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        // Two threads of this process take the SQLite write lock in turns: poll it finely.
        SQLiteDatabase.busyPoll_us = 250
        guard let apiStore = ClientsSetup.open(args), let dueStore = ClientsSetup.open(args) else { return ExitCode.failure }
        // The API's connection commits the accepted events: with --sync full each group commit
        // is fsynced (WAL, synchronous=FULL); PostgreSQL's commit is durable either way.
        if syncFull, let db = try? (apiStore as? ClientSQLProvider)?.sql(), !db.isPostgres {
            do { _ = try db.run("PRAGMA synchronous = FULL", []) } catch {
                Terminal.error("cannot set --sync full: \(error.description)")
                return ExitCode.failure
            }
        }
        // SQLite: the API's connection never checkpoints on commit; a thread of its own copies
        // the WAL back (PASSIVE), so no group commit's answers wait behind a checkpoint.
        var checkpointer: WALCheckpointer?
        if let sqlite = apiStore as? SQLiteNotificationStore {
            do { checkpointer = try WALCheckpointer.started(for: sqlite.database, pagesPerCheckpoint: 1_000) } catch {
                Terminal.error(error.description)
                return ExitCode.failure
            }
        }
        let due = DueRunner(setup: setup, store: dueStore, lease_ms: lease_ms, poll_ms: poll_ms, claimMax: deliveryBatch, logger: logger)
        let worker = ServeWorker(service: ServeStoreService(store: apiStore, committed: { due.poke() }))
        let build = BuildLabel(version: RcomBuild.version, commit: RcomBuild.commit)
        var listeners = [ServerListener(host: listen.host, port: listen.port, serves: ListenerRoles.serve.exposure)]
        var roles: [ListenerRoles] = [.serve]
        if let admin {
            listeners = [ServerListener(host: listen.host, port: listen.port, serves: ListenerRoles.api.exposure),
                         ServerListener(host: admin.host, port: admin.port, serves: ListenerRoles.admin.exposure)]
            roles = [.api, .admin]
        }
        let code = ServerRunner.run(
            component: "serve", listeners: listeners, recordPath: args.string("record"), poller: poller, serverLimits: limits, logger: logger,
            summary: { (p: ServePipeline) in [("events_accepted", .int(p.metrics.eventsAccepted)), ("drained", .string(p.draining ? "yes" : "no"))] },
            opened: { door in
                worker.start(door: door)
                if !args.flag("no-deliveries") { due.start(door: door) }
            },
            announce: { bound in
                "serve: http://\(listen.host):\(bound[0])/v1/events" + (admin.map { " admin: http://\($0.host):\(bound[1])/metrics" } ?? "")
            },
            make: { _, _ in
                let shape = Shape(limits: limits, rate: rate, burst: burst, drain_ms: drain_ms, build: build, roles: roles)
                return (shape.pipeline(queue: worker), shape.traceConfig)
            })
        worker.finish()
        if let checkpointer, let sqlite = apiStore as? SQLiteNotificationStore { checkpointer.stop(writer: sqlite.database) }
        // What the API accepted and the runner has not started stays due: released now, carried
        // out by another instance or the next start.
        let finished = due.stop(timeout_ms: drain_ms)
        logger.info("deliveries stopped", [("carried_out", .int(due.carried)), ("finished_in_time", .string(finished ? "yes" : "no"))])
        // The deliveries' spans (each due event its own trace), flushed within the bound.
        if let counters = setup.tracing?.finish() {
            logger.info("trace export stopped", [("spans_exported", .int(counters.exported)), ("spans_dropped", .int(counters.dropped))])
        }
        return code
    }

    /// 1 MiB: a client definition (PUT) may be large; an event is bounded apart (`ServeRoutes.eventBodyMax`).
    static let bodyLimits = HTTPLimits(bodyBytesMax: 1 << 20)

    /// What a pipeline is made of: the same for a run and for the replay of its trace.
    struct Shape {
        let limits: HTTPServerLimits, rate: Double, burst: Int, drain_ms: Int64, build: BuildLabel, roles: [ListenerRoles]

        func pipeline(queue: ServeQueue?) -> ServePipeline {
            ServePipeline(routes: ServeRoutes(parser: ClientsSetup.parser()), queue: queue, limits: limits,
                          buckets: TokenBuckets(rate: rate, burst: Double(burst)), drain_ns: UInt64(max(0, drain_ms)) * 1_000_000,
                          build: build, listenerRoles: roles)
        }

        var traceConfig: [(String, String)] {
            [("rate", String(rate)), ("burst", String(burst)), ("drain_ms", String(drain_ms)),
             ("listener_roles", ListenerRoles.traceValue(roles))] + limits.traceConfig + build.traceConfig
        }
    }

    /// The pipeline a `serve` trace header describes, with no store (its wakeups answer).
    static func replayPipeline(_ c: [String: String]) -> ServePipeline? {
        guard let rate = c["rate"].flatMap(Double.init), let burst = c["burst"].flatMap({ Int($0) }), let drain = c["drain_ms"].flatMap({ Int64($0) }),
              rate > 0, burst > 0, let roles = ListenerRoles.fromTrace(c["listener_roles"], everything: .serve) else { return nil }
        let limits = HTTPServerLimits(trace: c, before: HTTPServerLimits(http: bodyLimits))
        return Shape(limits: limits, rate: rate, burst: burst, drain_ms: drain, build: BuildLabel(trace: c), roles: roles).pipeline(queue: nil)
    }

    /// `100/s`, `6000/m`, or a bare number a second.
    static func rate(_ text: String) throws(UsageError) -> Double {
        let parts = text.split(separator: "/", maxSplits: 1)
        let per: Double? = parts.count == 1 ? 1 : ["s": 1, "m": 60, "h": 3600][String(parts[1])]
        guard let n = Double(parts.first ?? ""), n > 0, n.isFinite, let per else {
            throw UsageError("--rate expects N/s, N/m or N/h (such as 100/s), got \(TerminalText.quoted(text))")
        }
        return n / per
    }
}
