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

    /// `Retry-After` as a delay (`HTTPHeaders.retryAfter_ms`, in the core since the OTLP
    /// exporter reads it too): the delivery stage adds a `Date` from its injected wall clock to a
    /// response that lacks one (RFC 9110 §6.6.1), so adapters stay clock-free.
    public static func retryAfter_ms(_ headers: HTTPHeaders) -> Int64? { headers.retryAfter_ms }

    /// The body as text, cut to `bytesMax` so a provider's HTML error page does not flood a log line.
    public static func text(_ body: [UInt8], bytesMax: Int = 200) -> String {
        let s = String(decoding: body.prefix(bytesMax), as: UTF8.self)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return body.count > bytesMax ? s + "..." : s
    }
}
