import Foundation

extension HTTPHeaders {
    /// `Retry-After` (RFC 9110 §10.2.3) as a delay: delay-seconds (`120`) or an HTTP-date. A date
    /// is read against the response's own `Date`, the server's clock, so skew between the two
    /// clocks does not matter (a caller that needs a date read on a response without `Date`
    /// appends one from its injected wall clock first, as the delivery stage does). A date
    /// already past means now (0). Over a day, or unreadable: nil (the caller's own backoff
    /// applies). Read by the notification channels and the OTLP exporter alike.
    public var retryAfter_ms: Int64? {
        guard let raw = self["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        let delay_ms: Int64
        if raw.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard raw.utf8.count <= 9, let s = Int64(raw) else { return nil }
            delay_ms = s * 1000
        } else {
            guard let at = HTTPDate.parse_ms(raw), let now = self["date"].flatMap(HTTPDate.parse_ms) else { return nil }
            delay_ms = Swift.max(0, at - now)
        }
        return delay_ms <= 86_400_000 ? delay_ms : nil
    }
}
