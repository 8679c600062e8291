import RcomCLI

/// A channel type captured generically (existential metatypes crash the Swift 6.3 compiler
/// in some positions, so the registry stores closures, like `CommandEntry`).
public struct ChannelEntry: Sendable {
    public let name: String
    public let targetForm: String
    public let endpointKey: String
    public let make: @Sendable (ChannelSettings) -> any Channel
    public let missingSettings: @Sendable (ChannelSettings) -> [String]
    public let secrets: @Sendable (ChannelSettings) -> [String]

    public init<C: Channel>(_ channel: C.Type) {
        name = C.name
        targetForm = C.targetForm
        endpointKey = C.endpointKey
        make = { C(settings: $0) }
        missingSettings = { C.missingSettings($0) }
        secrets = { C.secrets($0) }
    }
}

/// Channel names → adapters, in registration order (the order `--help` and errors list them).
public struct ChannelRegistry: Sendable {
    /// Every channel rcom knows. Adding a channel is one line here.
    public static let standard: [ChannelEntry] = [
        ChannelEntry(EmailChannel.self),
        ChannelEntry(SMSChannel.self),
        ChannelEntry(SlackChannel.self),
        ChannelEntry(WebhookChannel.self),
    ]

    public let entries: [ChannelEntry]
    private let channels: [String: any Channel]

    public init(settings: ChannelSettings, entries: [ChannelEntry] = ChannelRegistry.standard) {
        self.entries = entries
        var made: [String: any Channel] = [:]
        for e in entries {
            precondition(made[e.name] == nil, "two channels named \(e.name)")
            made[e.name] = e.make(settings)
        }
        channels = made
    }

    public var names: [String] { entries.map(\.name) }

    public func channel(_ name: String) -> (any Channel)? { channels[name] }

    public func entry(_ name: String) -> ChannelEntry? { entries.first { $0.name == name } }

    /// The "unknown channel" message, listing the valid ones.
    public func unknown(_ name: String) -> String {
        "unknown channel \(TerminalText.quoted(name)); channels: \(names.joined(separator: ", "))"
    }
}
