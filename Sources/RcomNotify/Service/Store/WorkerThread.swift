import Foundation

/// The thread a store worker (`StoreWorker` for `rcom send`, `TrackStoreWorker` for
/// `rcom track`) runs its loop on, named for `top -H`, and a way to wait for the loop's end
/// once the worker was told to finish.
final class WorkerThread: @unchecked Sendable {
    // @unchecked: DispatchGroup is thread-safe; nothing else is held.
    private let ended = DispatchGroup()

    func start(name: String, _ loop: @escaping @Sendable () -> Void) {
        ended.enter()
        let thread = Thread { [ended] in
            loop()
            ended.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Tells the loop to finish (`flag` sets the worker's own flag while `condition`, the lock
    /// the loop waits on, is held; every waiter is woken), then returns once the loop has
    /// returned (at once if it never started).
    func finish(_ condition: NSCondition, setting flag: () -> Void) {
        condition.lock()
        flag()
        condition.broadcast()
        condition.unlock()
        ended.wait()
    }
}
