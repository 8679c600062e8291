import Foundation
import RcomCore
import RcomReactor

/// What `TrackPipeline` asks of the store for one tracking-link request.
public enum ClickWork: Sendable, Equatable {
    case click(notificationID: String, kind: ClickKind)
    /// A preview fetcher (or HEAD): recorded apart, never engagement.
    case preview(notificationID: String, fetcher: String)
}

/// The store's answer to one `ClickWork`, as it travels back to the reactor in a wakeup's
/// payload (and so is in a trace: replay needs no store).
public enum ClickOutcome: UInt8, Sendable, Equatable {
    case first, repeated, unknown, previewRecorded, storeError

    /// Answers as a payload: per answer its ticket (8 bytes, little-endian) and the outcome.
    public static func payload(_ answers: [(ticket: UInt64, outcome: ClickOutcome)]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(answers.count * 9)
        for a in answers {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: a.ticket >> UInt64(shift))) }
            bytes.append(a.outcome.rawValue)
        }
        return bytes
    }

    /// The answers in a payload; nil when it is not a whole number of valid answers (a
    /// tampered trace), which the pipeline ignores.
    public static func answers(_ payload: [UInt8]) -> [(ticket: UInt64, outcome: ClickOutcome)]? {
        guard payload.count % 9 == 0 else { return nil }
        var out: [(ticket: UInt64, outcome: ClickOutcome)] = []
        var i = 0
        while i < payload.count {
            var ticket: UInt64 = 0
            for k in 0..<8 { ticket |= UInt64(payload[i + k]) << UInt64(8 * k) }
            guard let outcome = ClickOutcome(rawValue: payload[i + 8]) else { return nil }
            out.append((ticket, outcome))
            i += 9
        }
        return out
    }
}

/// Where `TrackPipeline` hands its store work: it must not block (the reactor thread calls it).
/// False: the queue is at its bound, and the click is answered as a store error at once.
public protocol ClickQueue: AnyObject {
    func submit(ticket: UInt64, _ work: ClickWork) -> Bool
}

/// `rcom track`'s store on a thread of its own, as `StoreWorker` is for `rcom send`: the
/// reactor thread never waits on SQLite's `BEGIN IMMEDIATE`/commit or a PostgreSQL round trip.
/// Answers go back in batches, each one wakeup (`wakeTag`) whose payload carries them.
///
/// Bounds: `queueMax` requests wait for the store (past it `submit` says no); the answers of
/// one batch are at most `queueMax`. Should the reactor's inbox be full, the batch is kept and
/// posted again after 1 ms: answers are never dropped, and the queue bound holds the backlog.
public final class TrackStoreWorker: ClickQueue, @unchecked Sendable {
    // @unchecked: `queue`, `finishing` are only touched while holding `condition`; `recorder`
    // only by the worker thread once it runs.
    public static let wakeTag = "track-store"

    public let queueMax: Int
    private let recorder: ClickRecorder
    private let condition = NSCondition()
    private var queue = FIFO<(UInt64, ClickWork)>()
    private var finishing = false
    private var door: WakeupHandle?
    private let thread = WorkerThread()

    public init(recorder: ClickRecorder, queueMax: Int = 4_096) {
        precondition(queueMax > 0)
        self.recorder = recorder
        self.queueMax = queueMax
    }

    /// Starts the worker thread; `door` is the reactor's wakeup.
    public func start(door: WakeupHandle) {
        self.door = door
        thread.start(name: "rcom-track-store") { [self] in work() }
    }

    public func submit(ticket: UInt64, _ work: ClickWork) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard queue.count < queueMax, !finishing else { return false }
        queue.append((ticket, work))
        condition.signal()
        return true
    }

    /// Records what is queued, then ends the thread; returns once it has. Called once, when
    /// the reactor has stopped.
    public func finish() {
        thread.finish(condition) { finishing = true }
    }

    private func work() {
        while true {
            condition.lock()
            while queue.isEmpty && !finishing { condition.wait() }
            let batch = queue.drain()
            let stop = finishing
            condition.unlock()
            if !batch.isEmpty {
                let answers = batch.map { (ticket: $0.0, outcome: record($0.1)) }
                post(ClickOutcome.payload(answers))
            }
            if stop && batch.isEmpty { return }
        }
    }

    private func record(_ work: ClickWork) -> ClickOutcome {
        switch work {
        case .click(let id, let kind):
            switch recorder.click(notificationID: id, kind: kind) {
            case .success(.first): .first
            case .success(.repeated): .repeated
            case .success(.unknownNotification): .unknown
            case .failure: .storeError
            }
        case .preview(let id, let fetcher):
            if case .failure = recorder.preview(notificationID: id, fetcher: fetcher) { .storeError } else { .previewRecorded }
        }
    }

    private func post(_ payload: [UInt8]) {
        guard let door else { return }
        while !door.post(.wakeup(tag: Self.wakeTag, payload: payload)) {
            condition.lock()
            let stop = finishing
            if !stop { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.001)) }
            condition.unlock()
            if stop { return }
        }
    }
}
