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
    ///
    /// Read byte by byte: the job server parses one callback URL per start, and walking the
    /// text by Characters (grapheme breaking at every step) was 7 % of its CPU in perf.
    public static func parse(_ text: String) -> Result<HTTPURL, HTTPURLError> {
        let b = Array(text.utf8)
        func hasScheme(_ prefix: StaticString) -> Bool {
            let n = prefix.utf8CodeUnitCount
            guard b.count >= n else { return false }
            for k in 0..<n where ASCII.lower(b[k]) != prefix.utf8Start[k] { return false }
            return true
        }
        let scheme: String
        if hasScheme("http://") { scheme = "http" } else if hasScheme("https://") { scheme = "https" } else {
            return .failure(HTTPURLError(text.contains("://") ? "the scheme must be http:// or https://"
                                                              : "it is not an absolute URL (it must start with http://)"))
        }
        let slash = UInt8(ascii: "/"), question = UInt8(ascii: "?"), hash = UInt8(ascii: "#")
        let colon = UInt8(ascii: ":")
        let afterScheme = scheme.utf8.count + 3
        let authorityEnd = b[afterScheme...].firstIndex { $0 == slash || $0 == question || $0 == hash } ?? b.count
        let authorityStart = b[afterScheme..<authorityEnd].lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 } ?? afterScheme
        let targetEnd = b[authorityEnd...].firstIndex(of: hash) ?? b.count
        var target = String(decoding: b[authorityEnd..<targetEnd], as: UTF8.self)
        if target.isEmpty || target.utf8.first == question { target = "/" + target }
        var hostRange = authorityStart..<authorityEnd
        var port = scheme == "https" ? 443 : 80
        var portBytes: ArraySlice<UInt8>?
        if b[hostRange].first == UInt8(ascii: "[") {
            guard let close = b[hostRange].firstIndex(of: UInt8(ascii: "]")) else { return .failure(HTTPURLError("the IPv6 address has no closing ]")) }
            let after = b[(close + 1)..<authorityEnd]
            if after.first == colon {
                portBytes = after.dropFirst()
            } else if !after.isEmpty { return .failure(HTTPURLError("unexpected text after the IPv6 address")) }
            hostRange = (authorityStart + 1)..<close
        } else if let c = b[hostRange].lastIndex(of: colon) {
            portBytes = b[(c + 1)..<authorityEnd]
            hostRange = authorityStart..<c
        }
        if let portBytes {
            let portText = String(decoding: portBytes, as: UTF8.self)
            guard !portBytes.isEmpty, portBytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return .failure(HTTPURLError("the port must be a number from 1 to 65535"))
            }
            guard let p = Int(portText), (1...65535).contains(p) else {
                return .failure(HTTPURLError("the port \(portText) is out of range (1 to 65535)"))
            }
            port = p
        }
        let host = String(decoding: b[hostRange], as: UTF8.self)
        guard !host.isEmpty else { return .failure(HTTPURLError("it has no host")) }
        let asciiHostByte = { (c: UInt8) in
            (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == colon || c == UInt8(ascii: "_")
        }
        guard b[hostRange].allSatisfy(asciiHostByte)
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
