import Glibc

/// The listen backlog a server asks for: as many connections as it may hold at once, so that a
/// burst of simultaneous connects queues in the kernel instead of being dropped and retried by
/// SYN retransmission (a fixed 4,096 spread 16,000 simultaneous connects over seconds). The
/// kernel caps what is asked at net.core.somaxconn; `effective` says what a server really gets.
public struct ListenBacklog: Equatable, Sendable {
    public let requested: Int
    /// net.core.somaxconn, when it can be read.
    public let somaxconn: Int?

    public init(connections: Int, somaxconn: Int? = ListenBacklog.readSomaxconn()) {
        requested = max(1, min(connections, Int(Int32.max)))
        self.somaxconn = somaxconn
    }

    public var effective: Int { somaxconn.map { min($0, requested) } ?? requested }

    /// Said once at start-up when the kernel's cap is below what the server may hold.
    public var shortfall: String? {
        guard let cap = somaxconn, cap < requested else { return nil }
        return "net.core.somaxconn is \(cap), below the \(requested) connections this server may hold: a burst of more simultaneous connects than that waits for SYN retransmits (raise it with: sysctl -w net.core.somaxconn=\(requested))"
    }

    public static func readSomaxconn() -> Int? {
        guard let f = fopen("/proc/sys/net/core/somaxconn", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 32)
        guard fgets(&line, Int32(line.count), f) != nil else { return nil }
        let digits = line.prefix { $0 >= 0x30 && $0 <= 0x39 }.map { UInt8(bitPattern: $0) }
        return Int(String(decoding: digits, as: UTF8.self)).flatMap { $0 > 0 ? $0 : nil }
    }
}
