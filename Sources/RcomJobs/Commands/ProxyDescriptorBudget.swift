import Glibc

/// How the proxy shares its file descriptors: clients never use the part kept for upstream
/// connections and for callbacks, so a flood of clients cannot starve the job server's side.
struct ProxyDescriptorBudget: Equatable {
    let descriptorsMax: Int
    let clientsMax: Int
    let upstreamMax: Int
    let callbackReserve: Int

    /// Kept back for stdio, the poller, the wakeup, listeners and a trace file.
    static let fixedDescriptors = 16

    init(descriptorsMax: Int, clientsWanted: Int, upstreamWanted: Int) {
        self.descriptorsMax = descriptorsMax
        let usable = max(0, descriptorsMax - Self.fixedDescriptors)
        // Upstream: what was asked, but at most a quarter of what is usable (and at least 1).
        upstreamMax = max(1, min(upstreamWanted, usable / 4))
        callbackReserve = max(1, min(64, usable / 16))
        clientsMax = max(0, min(clientsWanted, usable - upstreamMax - callbackReserve))
    }

    /// The reactor's bound: every kind together.
    var reactorConnectionsMax: Int { clientsMax + callbackReserve + upstreamMax }
    /// Inbound connections never take the upstream part: past clients and the callback reserve
    /// (whose connections answer a job 503 and close, so it keeps turning over), newcomers wait
    /// in the listen backlog instead of being accepted and cut off.
    var inboundConnectionsMax: Int { clientsMax + callbackReserve }

    /// Raises the soft RLIMIT_NOFILE to the hard limit and returns the soft limit in force.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // RLIM_INFINITY is all ones; the bound keeps the budget arithmetic in range either way.
        return Int(min(limit.rlim_cur, 1 << 20))
    }
}
