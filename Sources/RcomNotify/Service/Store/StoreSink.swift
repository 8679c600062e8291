import RcomCLI
import RcomCore
import RcomReactor
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
    /// With tracing: a `store commit` span per commit, under this parent.
    private let tracing: CommandTracing?
    private let parent: TraceContext?
    /// Reports written since the last commit (a commit span's `rcom.store.records`).
    private var uncommitted = 0

    public init(store: NotificationStore?, tracing: CommandTracing? = nil, parent: TraceContext? = nil,
                onReport: @escaping (DeliveryReport) -> Void = { _ in }) {
        self.store = store
        self.tracing = tracing
        self.parent = parent
        self.onReport = onReport
    }

    public func report(_ report: DeliveryReport, now_ns: Instant_ns) {
        do {
            switch report {
            case .attempt(let a): try store?.record(a)
            case .finished(let o): try store?.finish(o)
            }
            uncommitted += 1
            // A clock behind the last commit is another reactor run's (each run's monotonic
            // clock is its own): commit then too, rather than subtract into an overflow trap.
            if now_ns < lastCommit_ns || now_ns - lastCommit_ns > Self.commitInterval_ns {
                lastCommit_ns = now_ns
                try commit()
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
        do { try commit() } catch {
            storeErrors += 1
            Terminal.error("could not record the last deliveries: \(error.description)")
        }
    }

    private func commit() throws(StoreError) {
        guard let tracing, let store, uncommitted > 0 else {
            try store?.flush()
            return
        }
        var span = tracing.start("store commit", parent: parent, attributes: [SpanAttribute("rcom.store.records", .int(Int64(uncommitted)))])
        defer { tracing.end(span) }
        do { try store.flush() } catch {
            span.setStatus(SpanStatus(.error, message: error.description))
            throw error
        }
        uncommitted = 0
    }
}
