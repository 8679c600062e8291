import RcomCore

/// Everything that shapes the proxy's behaviour; a trace header carries it so a replay rebuilds
/// the same pipeline. Each bound says what happens when it is hit.
public struct ProxyConfig: Sendable {
    /// The job server's base URL; starts go to `<upstream path>/start`.
    public var upstream: HTTPURL
    /// Base of callback URLs handed to the job server (e.g. an ngrok https URL).
    public var publicURL: HTTPURL
    /// No callback within this → the waiting client gets 504.
    public var callbackTimeout_ms: Int64 = 30_000
    /// An upstream connection with requests in flight that answers nothing for this long is
    /// reset; its requests get 504 (the job server is slow or stuck, not down).
    public var startTimeout_ms: Int64 = 10_000
    /// Jobs in flight: clients waiting for a callback plus wait:false starts not answered yet;
    /// beyond it new jobs are refused with 503.
    public var waitingClientsMax = 100_000
    /// Accounts with an open upstream connection; beyond it an idle account's connection is
    /// closed to make room, or the new account's requests queue until one goes idle.
    public var upstreamConnectionsMax = 1_000
    /// Connection attempts to the job server that may fail in a row before the starts waiting on
    /// them fail (502). Those starts were never sent, so trying again cannot start a job twice.
    /// The waits between attempts double from `upstreamConnectBackoff_ms`.
    public var upstreamConnectAttemptsMax = 4
    public var upstreamConnectBackoff_ms: Int64 = 100
    /// Starts pipelined on one upstream connection before the rest wait in the account's queue.
    /// It bounds the blast radius of a reset: every start in flight on a connection that breaks
    /// is ambiguous (it may have started), and ambiguous starts are never re-sent.
    public var upstreamPipelineDepthMax = 16
    /// A start made ambiguous by a broken connection keeps its client waiting this long for the
    /// callback (the job may be running); then 502 naming the ambiguity. Capped by the callback timeout.
    public var ambiguityGrace_ms: Int64 = 5_000
    /// After the connection attempts to the job server are spent, an account's new starts fail
    /// at once for this long instead of each trying again.
    public var upstreamDownHold_ms: Int64 = 1_000
    /// An account's upstream connection with nothing in flight is closed after this long (0:
    /// kept open). Behind a balancer with a job server that allows one connection per account,
    /// instances then take turns with the account's handler instead of one holding it.
    public var upstreamIdleRelease_ms: Int64 = 0
    /// This instance's name in callback URLs (`<public-url>/callback/<instance>/<token>`), so a
    /// front end routes each callback to the instance that holds its client by the path alone.
    public var instance = "rcom"
    /// Requests queued per account (not yet written upstream); beyond it: 503.
    public var upstreamQueueMax = 100_000
    /// Finished tokens remembered so late or duplicate callbacks are answered correctly; the
    /// oldest are forgotten first (their callbacks then get 404).
    public var finishedTokensMax = 200_000
    public var limits = HTTPLimits(bodyBytesMax: 64 << 10)
    /// A client's request (head and body) must be complete within `request_ms` of its first
    /// byte (408, then close); an idle keep-alive client is closed after `idle_ms`.
    public var clientTimeouts = HTTPServerTimeouts.standard
    /// Client connections at once (callback connections included). At the bound the oldest idle
    /// or half-sent one is closed; if every one is being served, the newcomer gets 503.
    public var clientConnectionsMax = 15_000
    /// Connections admitted past `clientConnectionsMax` when every client is being served,
    /// for callbacks only (a job on one gets 503): without them, clients waiting on jobs would
    /// hold every slot and the callbacks that free them could not get in.
    public var callbackConnectionsReserve = 64
    /// After SIGTERM/SIGINT, waiting clients are kept this long for their callbacks; those still
    /// waiting then get 503, and the proxy exits.
    public var drainTimeout_ms: Int64 = 30_000
    /// Reported by `/healthz` and `rcom_build_info`.
    public var build = BuildLabel.none
    /// What each listener serves, by listener number (the order they were opened); one
    /// listener for everything by default.
    public var listenerRoles: [ListenerRoles] = [.proxy]

    public init(upstream: HTTPURL, publicURL: HTTPURL) {
        self.upstream = upstream
        self.publicURL = publicURL
    }

    public var upstreamStartTarget: String {
        let base = upstream.target.split(separator: "?").first.map(String.init) ?? "/"
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/start"
    }

    public func callbackURL(token: String) -> String {
        let base = publicURL.description.hasSuffix("/") ? String(publicURL.description.dropLast()) : publicURL.description
        return base + "/callback/" + instance + "/" + token
    }

    /// `host:port` → `host-port` with dots as dashes: one path segment, the same on every run.
    public static func defaultInstance(host: String, port: Int) -> String {
        String((host + "-" + String(port)).map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }

    /// An instance name is one path segment of unreserved characters.
    public static func isValidInstance(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 46 || $0 == 95 || $0 == 126
        }
    }

    public var traceConfig: [(String, String)] {
        [("upstream", upstream.description), ("public_url", publicURL.description),
         ("callback_timeout_ms", "\(callbackTimeout_ms)"), ("start_timeout_ms", "\(startTimeout_ms)"),
         ("waiting_clients_max", "\(waitingClientsMax)"),
         ("upstream_connections_max", "\(upstreamConnectionsMax)"),
         ("request_timeout_ms", "\(clientTimeouts.request_ms)"), ("idle_timeout_ms", "\(clientTimeouts.idle_ms)"),
         ("client_connections_max", "\(clientConnectionsMax)"), ("drain_timeout_ms", "\(drainTimeout_ms)"),
         ("upstream_pipeline_depth", "\(upstreamPipelineDepthMax)"), ("ambiguity_grace_ms", "\(ambiguityGrace_ms)"),
         ("upstream_idle_release_ms", "\(upstreamIdleRelease_ms)"), ("instance", instance),
         ("listener_roles", ListenerRoles.traceValue(listenerRoles))]
            + build.traceConfig
    }

    public static func fromTrace(_ c: [String: String]) -> ProxyConfig? {
        guard let up = c["upstream"].flatMap(HTTPURL.init), let pub = c["public_url"].flatMap(HTTPURL.init),
              let timeout = c["callback_timeout_ms"].flatMap({ Int64($0) }),
              let waiting = c["waiting_clients_max"].flatMap({ Int($0) }),
              let conns = c["upstream_connections_max"].flatMap({ Int($0) }) else { return nil }
        var cfg = ProxyConfig(upstream: up, publicURL: pub)
        cfg.callbackTimeout_ms = timeout
        cfg.startTimeout_ms = c["start_timeout_ms"].flatMap { Int64($0) } ?? cfg.startTimeout_ms
        cfg.waitingClientsMax = waiting
        cfg.upstreamConnectionsMax = conns
        // Traces recorded before these existed ran without client timeouts.
        cfg.clientTimeouts = HTTPServerTimeouts(request_ms: c["request_timeout_ms"].flatMap { Int64($0) } ?? Int64(Int32.max),
                                                idle_ms: c["idle_timeout_ms"].flatMap { Int64($0) } ?? Int64(Int32.max))
        cfg.clientConnectionsMax = c["client_connections_max"].flatMap { Int($0) } ?? Int.max
        cfg.drainTimeout_ms = c["drain_timeout_ms"].flatMap { Int64($0) } ?? cfg.drainTimeout_ms
        cfg.upstreamPipelineDepthMax = c["upstream_pipeline_depth"].flatMap { Int($0) } ?? cfg.upstreamPipelineDepthMax
        cfg.ambiguityGrace_ms = c["ambiguity_grace_ms"].flatMap { Int64($0) } ?? cfg.ambiguityGrace_ms
        cfg.build = BuildLabel(trace: c)
        cfg.upstreamIdleRelease_ms = c["upstream_idle_release_ms"].flatMap { Int64($0) } ?? 0
        cfg.instance = c["instance"] ?? cfg.instance
        // Traces recorded before listeners had roles: one listener served everything.
        guard let roles = ListenerRoles.fromTrace(c["listener_roles"], everything: .proxy) else { return nil }
        cfg.listenerRoles = roles
        return cfg
    }
}

/// Counters served on `GET /stats`.
public struct ProxyStats: Sendable, Equatable {
    public var requests = 0
    public var jobsStarted = 0
    public var jobsDelivered = 0
    public var forwardedAsync = 0
    public var callbacksMatched = 0
    public var callbacksUnknown = 0
    public var callbacksDuplicate = 0
    public var callbacksLate = 0
    public var callbacksEarly = 0
    public var timeouts = 0
    public var clientsGone = 0
    public var upstreamFailures = 0
    /// Starts in flight on a connection that broke (the job may have started).
    public var upstreamAmbiguous = 0
    /// Of those, clients answered 502 because no callback came within the grace.
    public var ambiguousUnresolved = 0
    /// Clients answered 503 by the drain timeout or a second signal.
    public var drainAbandoned = 0
    /// 2xx start answers whose body was not a JSON object (502).
    public var upstreamMalformedAccepts = 0
    public var upstreamTimeouts = 0
    public var upstreamErrorsPassed = 0
    public var badRequests = 0
    public var refusedOverload = 0
}
