import RcomCLI
import RcomCore
import RcomStore

/// Writes the delivery stage's reports to the store, commits on time as well as on count (so
/// `rcom track` in another process is never kept waiting long for the write lock), and passes
/// finished notifications on (progress bar, verbose log).
public final class StoreSink: DeliverySink {
    private let store: NotificationStore?
    private let onReport: (DeliveryReport) -> Void
    private var lastCommit_ns: Instant_ns = 0
    public static let commitInterval_ns: UInt64 = 200_000_000
    public private(set) var storeErrors = 0
    private var firstError: String?

    public init(store: NotificationStore?, onReport: @escaping (DeliveryReport) -> Void = { _ in }) {
        self.store = store
        self.onReport = onReport
    }

    public func report(_ report: DeliveryReport, now_ns: Instant_ns) {
        do {
            switch report {
            case .attempt(let a): try store?.record(a)
            case .finished(let o): try store?.finish(o)
            }
            // A clock behind the last commit is another reactor run's (each run's monotonic
            // clock is its own): commit then too, rather than subtract into an overflow trap.
            if now_ns < lastCommit_ns || now_ns - lastCommit_ns > Self.commitInterval_ns {
                lastCommit_ns = now_ns
                try store?.flush()
            }
        } catch {
            storeErrors += 1
            if firstError == nil {
                firstError = error.description
                Terminal.error("could not record a delivery (later ones are counted): \(error.description)")
            }
        }
        onReport(report)
    }

    public func finish() {
        do { try store?.flush() } catch {
            storeErrors += 1
            Terminal.error("could not record the last deliveries: \(error.description)")
        }
    }
}
