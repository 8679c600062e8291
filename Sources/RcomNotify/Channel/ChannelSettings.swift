import RcomCore

/// Configuration the adapters read: `RCOM_*` environment variables (or the same keys from a
/// command line flag), and where the providers simulator listens for channels whose endpoint
/// is not configured. A plain key/value map so a new adapter adds keys without touching this type.
public struct ChannelSettings: Sendable {
    public var values: [String: String]
    /// Base URL of the simulator's HTTP endpoints (SMS, Slack, webhook).
    public var simulatorHTTP: HTTPURL
    /// The simulator's SMTP relay.
    public var simulatorSMTP: SMTPEndpoint

    public init(values: [String: String] = [:],
                simulatorHTTP: HTTPURL = HTTPURL(host: "127.0.0.1", port: 9200),
                simulatorSMTP: SMTPEndpoint = SMTPEndpoint(host: "127.0.0.1", port: 9201)) {
        self.values = values
        self.simulatorHTTP = simulatorHTTP
        self.simulatorSMTP = simulatorSMTP
    }

    /// The value of `key`, or nil when unset or empty.
    public func value(_ key: String) -> String? {
        guard let v = values[key], !v.isEmpty else { return nil }
        return v
    }

    public func value(_ key: String, default fallback: String) -> String { value(key) ?? fallback }
}
