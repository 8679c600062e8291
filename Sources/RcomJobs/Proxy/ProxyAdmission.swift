import RcomCore

/// Admission, between ① server and ② correlate: whether a job request may start a job. Callbacks
/// and local requests are never refused here (callbacks are what a drain waits for).
///
/// A job is refused 503 while draining (before anything else: the instance is going away), or
/// when its connection was admitted past the client budget (`HTTPServerTable`'s over-limit
/// connections exist only so that callbacks keep flowing; `Connection: close` on both refusals).
struct ProxyAdmission {
    enum Verdict: Equatable {
        case admit
        case draining(HTTPResponse)
        case overLimit(HTTPResponse)
    }

    let clientConnectionsMax: Int

    /// `overLimit` is the server table's answer for the request's connection.
    func verdict(draining: Bool, overLimit: Bool) -> Verdict {
        if draining {
            return .draining(.error(503, "the proxy is shutting down; send the job to another instance", keepAlive: false))
        }
        if overLimit {
            return .overLimit(.error(503, "proxy at its connection limit (\(clientConnectionsMax) clients); retry later", keepAlive: false))
        }
        return .admit
    }
}
