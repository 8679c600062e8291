import Glibc

/// The listen backlog a server asks for: all the kernel allows (net.core.somaxconn), and more if
/// the server may hold more connections than that (in case the cap is raised), instead of a
/// fixed 4,096. Not fewer than somaxconn even when the server holds fewer: past its connection
/// bound newcomers wait in the backlog to be read and answered 503, and a short backlog would
/// drop their handshakes instead (measured: a 503 took 1.45 s, a SYN retransmit, under
/// `ulimit -n 64` with the backlog cut to the server's bound). `effective` says what a server
/// really gets; `shortfall` says when the kernel's cap is below what the server may hold.
public struct ListenBacklog: Equatable, Sendable {
    public let requested: Int
    /// What the server may hold at once.
    public let connections: Int
    /// net.core.somaxconn, when it can be read.
    public let somaxconn: Int?

    public init(connections: Int, somaxconn: Int? = ListenBacklog.readSomaxconn()) {
        self.connections = connections
        requested = max(1, min(max(connections, somaxconn ?? 4096), Int(Int32.max)))
        self.somaxconn = somaxconn
    }

    public var effective: Int { somaxconn.map { min($0, requested) } ?? requested }

    /// Said once at start-up when the kernel's cap is below what the server may hold.
    public var shortfall: String? {
        guard let cap = somaxconn, cap < connections else { return nil }
        return "net.core.somaxconn is \(cap), below the \(connections) connections this server may hold: a burst of more simultaneous connects than that waits for SYN retransmits (raise it with: sysctl -w net.core.somaxconn=\(connections))"
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
