import Foundation
import RcomCore

/// The reading of an HTTP status most providers share: 2xx accepted, 429 and 5xx worth
/// retrying (429 with the provider's `Retry-After`), other 4xx final. Adapters refine the
/// detail text and the message id.
public enum HTTPAnswer {
    public static func classify(_ r: HTTPResponse, delivered providerID: @autoclosure () -> String,
                                problem: @autoclosure () -> String) -> DeliveryResult {
        switch r.status {
        case 200...299:
            return .delivered(providerID: providerID())
        case 429:
            return .transient("429 \(problem())", retryAfter_ms: retryAfter_ms(r.headers))
        case 408, 500...599:
            return .transient("\(r.status) \(problem())", retryAfter_ms: r.status == 503 ? retryAfter_ms(r.headers) : nil)
        default:
            return .permanent("\(r.status) \(problem())")
        }
    }

    /// `Retry-After` (RFC 9110 §10.2.3): delay-seconds (`120`) or an HTTP-date. A date is read
    /// against the response's own `Date`, the provider's clock, so skew between the two clocks
    /// does not matter; the delivery stage appends a `Date` from its injected wall clock to a
    /// response that lacks one (RFC 9110 §6.6.1), so adapters stay clock-free. A date already
    /// past means now (0). Over a day, or unreadable: nil (the caller's own backoff applies).
    public static func retryAfter_ms(_ headers: HTTPHeaders) -> Int64? {
        guard let raw = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        let delay_ms: Int64
        if raw.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard raw.utf8.count <= 9, let s = Int64(raw) else { return nil }
            delay_ms = s * 1000
        } else {
            guard let at = HTTPDate.parse_ms(raw), let now = headers["date"].flatMap(HTTPDate.parse_ms) else { return nil }
            delay_ms = max(0, at - now)
        }
        return delay_ms <= 86_400_000 ? delay_ms : nil
    }

    /// The body as text, cut to `bytesMax` so a provider's HTML error page does not flood a log line.
    public static func text(_ body: [UInt8], bytesMax: Int = 200) -> String {
        let s = String(decoding: body.prefix(bytesMax), as: UTF8.self)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return body.count > bytesMax ? s + "..." : s
    }
}
