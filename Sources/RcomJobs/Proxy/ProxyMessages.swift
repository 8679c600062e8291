import RcomCore

/// correlate → dispatch upstream.
struct UpstreamJob: Sendable {
    enum Purpose: Sendable {
        /// A synchronous client turned asynchronous: the answer comes by callback under `token`.
        case waitForCallback(token: CallbackToken)
        /// A `wait:false` request forwarded as is: the upstream response is the answer.
        case passThrough(RequestRef)
    }
    let account: String
    let body: [UInt8]
    let purpose: Purpose
    /// When its start request was written upstream (set by the upstream stage), for the metrics.
    var sent_ns: Instant_ns = 0
    /// The upstream start span's context, sent as `traceparent` (nil: tracing off, no header).
    var trace: TraceContext?
}

/// dispatch upstream → correlate: what became of a start request.
enum UpstreamOutcome {
    case accepted(UpstreamJob.Purpose, HTTPResponse, sent_ns: Instant_ns)
    case rejected(UpstreamJob.Purpose, HTTPResponse)
    /// Never sent (or refused before it could be): the job did not start.
    case failed(UpstreamJob.Purpose, reason: String)
    /// Written, then the connection broke before its answer: the job may be running.
    case ambiguous(UpstreamJob.Purpose, reason: String)
    /// The job server refused every connection attempt of a probe made after it closed a
    /// connection: callbacks from it are no longer likely.
    case unreachable(reason: String)
    /// The job server kept the connection but did not answer in time.
    case timedOut(UpstreamJob.Purpose, reason: String)
}

/// correlate → deliver.
struct Delivery {
    let ref: RequestRef
    let response: HTTPResponse
}
