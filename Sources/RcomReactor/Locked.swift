import Glibc

/// A value behind a pthread mutex, for state that several threads share.
///
/// Why not `Synchronization.Mutex`: on Linux only its uncontended path (one compare-exchange) is
/// inlined into our code, where ThreadSanitizer sees it. A contended lock spins and then waits in
/// the kernel (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI) inside libswiftSynchronization.so, which is not
/// instrumented, so ThreadSanitizer sees no hand-over and reports every contended critical section
/// as a data race (issue 20: two such reports on the wakeup inbox). `pthread_mutex_lock` is
/// intercepted by ThreadSanitizer, so it checks our locking instead of crying wolf.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only read or written between lock and unlock of `mutex`.
    // The mutex lives on the heap: a pthread_mutex_t must not move once initialised.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
