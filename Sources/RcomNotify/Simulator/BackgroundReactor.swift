import Foundation
import RcomCore
import RcomReactor

/// A pipeline on a real reactor on its own thread: the in-process providers simulator of
/// `rcom send`, and the servers of the tests. `stop()` posts `.shutdown`, waits for the loop to
/// end and returns the pipeline as it ended (read after the loop, so without races).
public final class BackgroundReactor<P: EventPipeline>: @unchecked Sendable {
    /// Ports of the listeners, in the order given.
    public let ports: [Int]
    private let reactor: Reactor<P>
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false
    private var final: P?

    /// `recorder`: record the run as a trace (`draws` hands over the entropy each event used);
    /// it is closed when the loop ends.
    public init(_ pipeline: P, listeners: [BoundListener], recorder: TraceRecorder? = nil, draws: @escaping () -> [UInt64] = { [] }) {
        reactor = Reactor(pipeline: pipeline)
        for l in listeners { reactor.adopt(l) }
        if let recorder { reactor.record(to: recorder, draws: draws) }
        ports = listeners.map(\.port)
        let loop = Loop(run: { [reactor] in _ = reactor.run() }, done: finished)
        Thread.detachNewThread { loop.start() }
    }

    /// Opens listeners on `host` (port 0: the kernel chooses) and starts the pipeline.
    public convenience init(_ pipeline: P, host: String = "127.0.0.1", ports: [Int],
                            recorder: TraceRecorder? = nil, draws: @escaping () -> [UInt64] = { [] }) throws(SocketError) {
        var listeners: [BoundListener] = []
        for p in ports {
            do { listeners.append(try BoundListener.open(host: host, port: p)) } catch {
                for l in listeners { l.close() }
                throw error
            }
        }
        self.init(pipeline, listeners: listeners, recorder: recorder, draws: draws)
    }

    public var wakeup: WakeupHandle { reactor.wakeup }

    @discardableResult
    public func stop() -> P {
        if !stopped {
            stopped = true
            reactor.wakeup.post(.shutdown)
            finished.wait()
            final = reactor.pipeline
        }
        return final!
    }

    deinit { _ = stop() }
}

/// Carries the loop closure to its thread without capturing the generic metatype.
private struct Loop: @unchecked Sendable {
    let run: () -> Void
    let done: DispatchSemaphore
    func start() {
        run()
        done.signal()
    }
}
