/// When `rcom send --retry-pending` may try a notification again after a round of quick
/// retries ended in temporary failures: 5, 15, then every 60 minutes, until it is older than
/// `maxAge_ms` (24 h), when it fails for good. A notification is news: a day late it is not
/// worth sending (RFC 5321 §4.5.4.1's 4-5 days are for mail a person wrote).
public struct PendingSchedule: Sendable, Equatable {
    /// The wait after the 1st, 2nd, ... deferred round; the last one repeats.
    public var delays_ms: [Int64] = [5, 15, 60].map { $0 * 60_000 }
    public var maxAge_ms: Int64 = 24 * 3_600_000

    public init() {}

    /// The time of the next round after `deferrals` earlier ones, or nil when it would be past
    /// the notification's maximum age.
    public func nextAttempt_ms(deferrals: Int, createdAt_ms: Int64, now_ms: Int64) -> Int64? {
        guard let last = delays_ms.last else { return nil }
        let next = now_ms + (deferrals < delays_ms.count ? delays_ms[max(deferrals, 0)] : last)
        return next - createdAt_ms <= maxAge_ms ? next : nil
    }
}
