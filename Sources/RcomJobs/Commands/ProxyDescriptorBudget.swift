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
}
