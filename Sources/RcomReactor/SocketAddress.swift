import Glibc

/// An IPv4 or IPv6 socket address, resolved numerically or through getaddrinfo.
public enum SocketAddress: Sendable, Equatable {
    case v4(host: UInt32, port: UInt16)          // network byte order host
    case v6(host: [UInt8], port: UInt16)

    /// Parses numeric addresses (and "localhost") without touching DNS.
    public static func numeric(_ host: String, port: Int) -> SocketAddress? {
        let h = host == "localhost" ? "127.0.0.1" : (host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host)
        var a4 = in_addr()
        if inet_pton(AF_INET, h, &a4) == 1 { return .v4(host: a4.s_addr, port: UInt16(port)) }
        var a6 = in6_addr()
        if inet_pton(AF_INET6, h, &a6) == 1 {
            let bytes = withUnsafeBytes(of: &a6) { Array($0) }
            return .v6(host: bytes, port: UInt16(port))
        }
        return nil
    }

    /// Blocking DNS: call it off the reactor thread.
    public static func resolve(_ host: String, port: Int) -> Result<SocketAddress, SocketError> {
        if let n = numeric(host, port: port) { return .success(n) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else {
            return .failure(SocketError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))"))
        }
        defer { freeaddrinfo(res) }
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            if ai.pointee.ai_family == AF_INET {
                let sin = UnsafeRawPointer(ai.pointee.ai_addr).load(as: sockaddr_in.self)
                return .success(.v4(host: sin.sin_addr.s_addr, port: UInt16(port)))
            }
            p = ai.pointee.ai_next
        }
        if first.pointee.ai_family == AF_INET6 {
            var sin6 = UnsafeRawPointer(first.pointee.ai_addr).load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: &sin6.sin6_addr) { Array($0) }
            return .success(.v6(host: bytes, port: UInt16(port)))
        }
        return .failure(SocketError("cannot resolve \(host): no usable address"))
    }

    var family: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .v4(let host, let port):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr = in_addr(s_addr: host)
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(let host, let port):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in
                for i in 0..<min(16, host.count) { dst[i] = host[i] }
            }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}

public struct SocketError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public static func errno(_ what: String, _ code: Int32 = Glibc.errno) -> SocketError {
        SocketError("\(what): \(String(cString: strerror(code)))")
    }
    public var description: String { message }
}

extension SocketAddress {
    /// Reachable only from this machine: 127.0.0.0/8 or ::1. A wildcard (0.0.0.0, ::) or any
    /// other address is reachable from the network its interfaces are on.
    public var isLoopback: Bool {
        switch self {
        case .v4(let host, _): return UInt32(bigEndian: host) >> 24 == 127
        case .v6(let host, _): return host == [UInt8](repeating: 0, count: 15) + [1]
        }
    }

    /// Whether a listen address given as text is loopback (false for one that does not parse).
    public static func isLoopback(_ host: String) -> Bool { numeric(host, port: 0)?.isLoopback ?? false }
}
