import Foundation
import RcomCore
import RcomReactor
import RcomStore

/// `rcom serve`'s store on a thread of its own (as `StoreWorker` is for `rcom send`): the
/// reactor thread never waits on SQLite or a PostgreSQL round trip. It takes every request
/// queued since its last round at once, checks their keys (one lookup per distinct key),
/// inserts all their events in ONE transaction (group commit: one fsync for many events), and
/// sends the answers back in one wakeup (`wakeTag`) whose payload carries them, so a trace
/// holds them and replay needs no store. Each 202 is therefore sent after its event committed.
///
/// Bounds: `queueMax` requests wait (past it `submit` says no and the request gets 503);
/// one round takes at most `roundMax`. Should the reactor's inbox be full, the answers are
/// kept and posted again after 1 ms: never dropped (the queue bound holds the backlog).
public final class ServeWorker: ServeQueue, @unchecked Sendable {
    // @unchecked: `queue` and `finishing` are only touched while holding `condition`; `service`
    // only by the worker thread once it runs.
    public static let wakeTag = "serve-store"

    public let queueMax: Int
    public let roundMax: Int
    private let service: ServeStoreService
    private let condition = NSCondition()
    private var queue = FIFO<ServeJob>()
    private var finishing = false
    private var door: WakeupHandle?
    private let ended = DispatchGroup()

    init(service: ServeStoreService, queueMax: Int = 8_192, roundMax: Int = 1_024) {
        precondition(queueMax > 0 && roundMax > 0)
        self.service = service
        self.queueMax = queueMax
        self.roundMax = roundMax
    }

    public func start(door: WakeupHandle) {
        self.door = door
        ended.enter()
        let thread = Thread { [self] in
            work()
            ended.leave()
        }
        thread.name = "rcom-serve-store"
        thread.start()
    }

    public func submit(_ job: ServeJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard queue.count < queueMax, !finishing else { return false }
        queue.append(job)
        if queue.count == 1 { condition.signal() }
        return true
    }

    /// Answers what is queued, then ends the thread; returns once it has.
    public func finish() {
        condition.lock()
        finishing = true
        condition.broadcast()
        condition.unlock()
        ended.wait()
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !finishing { condition.wait() }
            var jobs: [ServeJob] = []
            while jobs.count < roundMax, let j = queue.popFirst() { jobs.append(j) }
            let stop = finishing && queue.isEmpty && jobs.isEmpty
            condition.unlock()
            if stop { return }
            let answers = service.answer(jobs)
            while let door, !door.post(.wakeup(tag: Self.wakeTag, payload: answers.payload)) { usleep(1_000) }
        }
    }
}
