import RcomCore

/// The client file's form of a definition: what the store keeps, what `rcom clients export`
/// prints, and what `ClientFileParser` reads back to the same definition (members in a fixed
/// order, optional ones left out when unset, durations in the largest whole unit).
extension ClientDefinition {
    public var json: String {
        var pairs: [(String, String)] = [("id", JSONText.quote(id))]
        if !name.isEmpty { pairs.append(("name", JSONText.quote(name))) }
        pairs.append(("timezone", JSONText.quote(timezone)))
        pairs.append(("contacts", JSONText.object(contacts.map { ($0.channel, Self.array($0.targets)) })))
        if let q = quietHours {
            pairs.append(("quiet_hours", JSONText.object([("from", JSONText.quote(QuietHours.text(q.fromMinute))),
                                                          ("to", JSONText.quote(QuietHours.text(q.toMinute)))])))
        }
        let mute = mutedEvents.map(\.description) + mutedChannels.map { "channel:" + $0 }
        if !mute.isEmpty { pairs.append(("mute", Self.array(mute))) }
        pairs.append(("rules", "[" + rules.map(\.json).joined(separator: ",") + "]"))
        return JSONText.object(pairs)
    }

    /// A whole file of `clients`, one client per line.
    public static func file(_ clients: [ClientDefinition]) -> String {
        "{\"clients\": [\n" + clients.map { "  " + $0.json }.joined(separator: ",\n") + (clients.isEmpty ? "" : "\n") + "]}\n"
    }

    static func array(_ strings: [String]) -> String { "[" + strings.map(JSONText.quote).joined(separator: ",") + "]" }
}

extension RoutingRule {
    public var json: String {
        var pairs: [(String, String)] = [("event", JSONText.quote(event.description)),
                                         ("channels", ClientDefinition.array(channels)),
                                         ("mode", JSONText.quote(mode.rawValue))]
        if let after_ms { pairs.append(("after", JSONText.quote(Self.durationText(after_ms)))) }
        if let experiment { pairs.append(("experiment", JSONText.quote(experiment))) }
        return JSONText.object(pairs)
    }

    /// `after` in the largest unit that divides it: 300000 → "5m", 1500 → "1500ms".
    public static func durationText(_ ms: Int64) -> String {
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
