/// A connection's identity for its whole life. Never the fd: fds are reused by the kernel,
/// IDs are not. Inbound IDs are assigned by the reactor; outbound IDs by the pipeline that
/// asks for the connection (high bit set), so both sides can name a connection before it exists.
public struct ConnectionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: UInt64
    public init(raw: UInt64) { self.raw = raw }

    public static let outboundBit: UInt64 = 1 << 62
    public static func outbound(_ n: UInt64) -> ConnectionID { ConnectionID(raw: outboundBit | n) }
    public var isOutbound: Bool { raw & Self.outboundBit != 0 }

    public static func < (a: ConnectionID, b: ConnectionID) -> Bool { a.raw < b.raw }
    public var description: String { isOutbound ? "out#\(raw & ~Self.outboundBit)" : "in#\(raw)" }
}

/// A timer armed by a pipeline; the pipeline allocates the numbers.
public struct TimerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: UInt64
    public init(raw: UInt64) { self.raw = raw }
    public static func < (a: TimerID, b: TimerID) -> Bool { a.raw < b.raw }
    public var description: String { "timer#\(raw)" }
}

/// Monotonic time in nanoseconds since an arbitrary origin. Events carry it; the core never reads a clock.
public typealias Instant_ns = UInt64

