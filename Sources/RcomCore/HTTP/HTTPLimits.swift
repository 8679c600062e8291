/// Every bound the codec enforces, in one place. What happens at each bound is the status
/// the decoder reports (and the connection is then closed after that response).
public struct HTTPLimits: Equatable, Sendable {
    /// Request line or status line; beyond it: 414 (request) / 502-class error (response).
    public var startLineBytesMax: Int
    /// All header lines together, trailers included; beyond it: 431.
    public var headerBytesMax: Int
    /// Number of header fields; beyond it: 431.
    public var headerCountMax: Int
    /// Decoded body; beyond it: 413.
    public var bodyBytesMax: Int
    /// A chunk-size line (hex size plus extensions); beyond it: 400.
    public var chunkLineBytesMax: Int

    public init(startLineBytesMax: Int = 8 * 1024, headerBytesMax: Int = 16 * 1024, headerCountMax: Int = 100,
                bodyBytesMax: Int = 1024 * 1024, chunkLineBytesMax: Int = 1024) {
        self.startLineBytesMax = startLineBytesMax
        self.headerBytesMax = headerBytesMax
        self.headerCountMax = headerCountMax
        self.bodyBytesMax = bodyBytesMax
        self.chunkLineBytesMax = chunkLineBytesMax
    }

    public static let standard = HTTPLimits()
}

/// A peer's protocol violation. `status` is what a server answers with before closing; `kind`
/// is what callers branch on (never the message text, which is for people).
public struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The bytes break the grammar.
        case malformed
        /// A bound of `HTTPLimits` was passed.
        case tooLarge
        /// Valid HTTP that rcom does not implement (a transfer coding, another major version).
        case unsupported
        /// An `Expect` other than `100-continue`.
        case expectation
        /// The peer closed in the middle of a message.
        case truncated
    }

    public let status: Int
    public let message: String
    public let kind: Kind

    public init(_ status: Int, _ message: String, kind: Kind? = nil) {
        self.status = status
        self.message = message
        self.kind = kind ?? Self.kind(for: status)
    }

    private static func kind(for status: Int) -> Kind {
        switch status {
        case 413, 414, 431: return .tooLarge
        case 501, 505: return .unsupported
        case 417: return .expectation
        default: return .malformed
        }
    }

    public var description: String { "\(status) \(message)" }
}
