import Foundation
import RcomCore

/// The stand-in for the work sample's jobclient: starts every job at once, each on its own
/// connection, `{"account", "wait": true}`, and records what came back and when.
public struct JobClientPipeline: EventPipeline {
    public struct Config: Sendable {
        public var url: HTTPURL
        public var account: String
        public var jobs: Int
        /// Give up on jobs still unanswered after this long (so a broken server cannot hang us).
        public var giveUp_ms: Int64
        public init(url: HTTPURL, account: String, jobs: Int, giveUp_ms: Int64) {
            self.url = url
            self.account = account
            self.jobs = jobs
            self.giveUp_ms = giveUp_ms
        }
    }

    public struct Result: Sendable, Equatable {
        public var status: Int?
        public var body: [UInt8] = []
        public var error: String?
        public var duration_ns: UInt64 = 0
    }

    public let config: Config
    public private(set) var results: [Result]
    public private(set) var started_ns: UInt64 = 0
    public private(set) var finished_ns: UInt64 = 0
    public private(set) var done = 0
    /// Called on each finished job (for the progress bar); not part of the pipeline's logic.
    public var onProgress: ((Int) -> Void)?
    private var connections: [ConnectionID: HTTPClientConnection<Int>] = [:]
    private let giveUpTimer = TimerID(raw: 1)

    public init(config: Config) {
        self.config = config
        self.results = Array(repeating: Result(), count: config.jobs)
    }

    private var requestBody: [UInt8] {
        Array(JSONText.object([("account", JSONText.quote(config.account)), ("wait", "true")]).utf8)
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .wakeup(tag: "start", _):
            started_ns = now_ns
            var effects: [ReactorEffect] = [.setTimer(giveUpTimer, deadline_ns: now_ns + UInt64(config.giveUp_ms) * 1_000_000)]
            var headers = HTTPHeaders()
            headers.add("Host", config.url.hostHeader)
            headers.add("Content-Type", "application/json")
            headers.add("User-Agent", "rcom-jobclient")
            let request = HTTPRequest(method: "POST", target: config.url.target, headers: headers, body: requestBody)
            for job in 0..<config.jobs {
                var c = HTTPClientConnection<Int>(id: .outbound(UInt64(job + 1)), url: config.url)
                effects.append(c.connectEffect)
                effects += c.send(request, tag: job)
                connections[c.id] = c
            }
            return effects
        case .connected(let id):
            return connections[id]?.connected() ?? []
        case .received(let id, let bytes):
            return outcomes(id, connections[id]?.receive(bytes), now_ns: now_ns)
        case .readClosed(let id):
            return outcomes(id, connections[id]?.receive(nil), now_ns: now_ns)
        case .closed(let id, let reason), .connectFailed(let id, let reason):
            let effects = outcomes(id, connections[id]?.fail(reason: reason), now_ns: now_ns)
            connections[id] = nil
            return effects
        case .timer(let t) where t == giveUpTimer:
            var effects: [ReactorEffect] = []
            for id in connections.keys.sorted() {
                effects += outcomes(id, connections[id]?.fail(reason: "no answer within \(config.giveUp_ms / 1000)s"), now_ns: now_ns)
                effects.append(.close(id))
            }
            return effects
        case .shutdown:
            return [.stop(exitCode: 130)]
        default:
            return []
        }
    }

    private mutating func outcomes(_ id: ConnectionID, _ list: [HTTPClientConnection<Int>.Outcome]?, now_ns: Instant_ns) -> [ReactorEffect] {
        guard let list else { return [] }
        var effects: [ReactorEffect] = []
        for o in list {
            switch o {
            case .response(let job, let r):
                record(job, Result(status: r.status, body: r.body, duration_ns: now_ns - started_ns), now_ns: now_ns)
                effects.append(.close(id))
            case .failed(let jobs, let reason):
                for job in jobs { record(job, Result(error: reason, duration_ns: now_ns - started_ns), now_ns: now_ns) }
            }
        }
        if done == config.jobs && finished_ns == now_ns {
            effects += [.cancelTimer(giveUpTimer), .stop(exitCode: 0)]
        }
        return effects
    }

    private mutating func record(_ job: Int, _ result: Result, now_ns: Instant_ns) {
        guard results[job].status == nil && results[job].error == nil else { return }
        results[job] = result
        done += 1
        onProgress?(done)
        if done == config.jobs { finished_ns = now_ns }
    }
}
