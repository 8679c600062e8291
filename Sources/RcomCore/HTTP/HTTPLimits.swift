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

/// A peer's protocol violation. `status` is what a server answers with before closing.
public struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: Int
    public let message: String
    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { "\(status) \(message)" }
}
