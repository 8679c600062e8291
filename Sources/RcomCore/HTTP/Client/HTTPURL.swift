/// An absolute http(s) URL split into what a connection and a request line need.
public struct HTTPURL: Equatable, Sendable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int
    /// Path and query, at least "/".
    public let target: String

    public init(scheme: String = "http", host: String, port: Int, target: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = target
    }

    /// Returns nil unless `text` is an absolute http:// or https:// URL with a host
    /// (`parse` says why not).
    public init?(_ text: String) {
        guard case .success(let url) = Self.parse(text) else { return nil }
        self = url
    }

    /// `text` as an absolute http:// or https:// URL with a host, or what is wrong with it, in
    /// words a message can quote after the flag ("--upstream: the port 99999 is out of range").
    public static func parse(_ text: String) -> Result<HTTPURL, HTTPURLError> {
        // The scheme compared on bytes, case-insensitively (lower-casing the whole text per
        // callback URL showed in the job server's profile).
        func hasScheme(_ prefix: String) -> Bool {
            text.utf8.count >= prefix.utf8.count && zip(text.utf8, prefix.utf8).allSatisfy { ASCII.lower($0) == $1 }
        }
        let scheme: String
        if hasScheme("http://") { scheme = "http" } else if hasScheme("https://") { scheme = "https" } else {
            return .failure(HTTPURLError(text.contains("://") ? "the scheme must be http:// or https://"
                                                              : "it is not an absolute URL (it must start with http://)"))
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        var host = String(authority)
        var port = scheme == "https" ? 443 : 80
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return .failure(HTTPURLError("the IPv6 address has no closing ]")) }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty { return .failure(HTTPURLError("unexpected text after the IPv6 address")) }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = String(host[..<colon])
        }
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure(HTTPURLError("the port must be a number from 1 to 65535"))
            }
            guard let p = Int(portText), (1...65535).contains(p) else {
                return .failure(HTTPURLError("the port \(portText) is out of range (1 to 65535)"))
            }
            port = p
        }
        guard !host.isEmpty else { return .failure(HTTPURLError("it has no host")) }
        let asciiHostByte = { (b: UInt8) in
            (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") || b == UInt8(ascii: "_")
        }
        guard host.utf8.allSatisfy(asciiHostByte)
                || host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" }) else {
            return .failure(HTTPURLError("the host may hold letters, digits, '.', '-', '_' (and ':' in brackets) only"))
        }
        guard target.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            return .failure(HTTPURLError("the path holds a space, a control or a non-ASCII character (percent-encode it)"))
        }
        return .success(HTTPURL(scheme: scheme, host: host, port: port, target: target))
    }

    /// `host[:port]` as a Host header wants it (port omitted when it is the scheme's default).
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? h : "\(h):\(port)"
    }

    public var description: String { "\(scheme)://\(hostHeader)\(target)" }

    /// URL with a different path (query dropped), e.g. base URL + "/start".
    public func with(target newTarget: String) -> HTTPURL {
        HTTPURL(scheme: scheme, host: host, port: port, target: newTarget)
    }
}

/// Why a text is not an absolute http(s) URL.
public struct HTTPURLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
