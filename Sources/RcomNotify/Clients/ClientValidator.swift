import Foundation
import RcomCLI
import RcomCore

/// The checks behind `ClientFileParser`, one client at a time, collecting every error with its
/// path and line (a file is fixed in one go, not one error per run).
struct ClientValidator {
    let registry: ChannelRegistry
    let tree: JSONTree
    var errors: [ClientFileError] = []
    var out: [ClientDefinition] = []

    static let clientMembers = ["id", "name", "timezone", "contacts", "quiet_hours", "mute", "rules"]
    static let ruleMembers = ["event", "channels", "mode", "after", "experiment"]

    init(registry: ChannelRegistry, tree: JSONTree) {
        self.registry = registry
        self.tree = tree
    }

    mutating func fail(_ path: String, _ node: JSONTree.Node, _ message: String) {
        errors.append(ClientFileError(path: path, line: tree.line(at: node.offset), message: message))
    }

    /// The object's members by name, unknown ones reported.
    private mutating func members(_ node: JSONTree.Node, _ path: String, allowed: [String]) -> [String: JSONTree.Node]? {
        guard case .object(let ms) = node.value else { fail(path, node, "expected an object"); return nil }
        var byName: [String: JSONTree.Node] = [:]
        for m in ms {
            if allowed.contains(m.name) { byName[m.name] = m.node } else {
                fail("\(path).\(m.name)", m.node, "unknown member; members: \(allowed.joined(separator: ", "))")
            }
        }
        return byName
    }

    private mutating func string(_ node: JSONTree.Node?, _ path: String, required: Bool, parent: JSONTree.Node) -> String? {
        guard let node else {
            if required { fail(path, parent, "missing (required)") }
            return nil
        }
        guard case .string(let s) = node.value else { fail(path, node, "expected a string"); return nil }
        return s
    }

    private mutating func strings(_ node: JSONTree.Node, _ path: String, max: Int) -> [(String, JSONTree.Node)]? {
        guard case .array(let items) = node.value else { fail(path, node, "expected an array of strings"); return nil }
        guard items.count <= max else { fail(path, node, "more than \(max) entries"); return nil }
        var out: [(String, JSONTree.Node)] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item.value else { fail("\(path)[\(i)]", item, "expected a string"); continue }
            out.append((s, item))
        }
        return out
    }

    mutating func client(_ node: JSONTree.Node, path: String) -> ClientDefinition? {
        let before = errors.count
        guard let m = members(node, path, allowed: Self.clientMembers) else { return nil }
        let id = string(m["id"], "\(path).id", required: true, parent: node) ?? ""
        if let n = m["id"], case .string = n.value, !ClientFileParser.isClientID(id) {
            fail("\(path).id", n, "\(TerminalText.quoted(id)) is not an id: 1 to 64 of a-z 0-9 . _ - (not starting with . or -)")
        }
        let name = string(m["name"], "\(path).name", required: false, parent: node) ?? ""
        if name.utf8.count > 200 { fail("\(path).name", m["name"]!, "longer than 200 bytes") }
        let zone = string(m["timezone"], "\(path).timezone", required: true, parent: node) ?? ""
        if let z = m["timezone"], case .string = z.value, !Self.isKnownZone(zone) {
            fail("\(path).timezone", z, "unknown time zone \(TerminalText.quoted(zone)); expected an IANA name such as Europe/Berlin or UTC")
        }
        let contacts = m["contacts"].map { self.contacts($0, "\(path).contacts") } ?? []
        var quiet: QuietHours?
        if let q = m["quiet_hours"] { quiet = quietHours(q, "\(path).quiet_hours") }
        var mutedEvents: [EventPattern] = [], mutedChannels: [String] = []
        if let mu = m["mute"], let entries = strings(mu, "\(path).mute", max: ClientFileParser.rulesMax) {
            for (i, (s, n)) in entries.enumerated() {
                if s.hasPrefix("channel:") {
                    let c = String(s.dropFirst(8))
                    if registry.channel(c) == nil { fail("\(path).mute[\(i)]", n, registry.unknown(c)) } else { mutedChannels.append(c) }
                } else if let p = EventPattern.parse(s) {
                    mutedEvents.append(p)
                } else {
                    fail("\(path).mute[\(i)]", n, "\(TerminalText.quoted(s)) is neither an event pattern (db.disk_high, db.*, *) nor channel:NAME")
                }
            }
        }
        var rules: [RoutingRule] = []
        if let r = m["rules"] {
            if case .array(let items) = r.value, items.count <= ClientFileParser.rulesMax {
                var seen: [EventPattern: Int] = [:]
                for (i, item) in items.enumerated() {
                    let rp = "\(path).rules[\(i)]"
                    guard let rule = self.rule(item, rp, contacts: contacts) else { continue }
                    if let first = seen[rule.event] {
                        fail("\(rp).event", item, "\(TerminalText.quoted(rule.event.description)) is also rules[\(first)]'s event: the two tie (most specific wins, and neither is)")
                    } else {
                        seen[rule.event] = i
                        rules.append(rule)
                    }
                }
            } else {
                fail("\(path).rules", r, "expected an array of at most \(ClientFileParser.rulesMax) rules")
            }
        }
        guard errors.count == before else { return nil }
        return ClientDefinition(id: id, name: name, timezone: zone, contacts: contacts, quietHours: quiet,
                                mutedEvents: mutedEvents, mutedChannels: mutedChannels, rules: rules)
    }

    /// Names in the system's tz database (plus UTC): abbreviations such as "CET" or "EST" and
    /// offsets are refused, since they do not say which rules of daylight saving apply.
    static func isKnownZone(_ name: String) -> Bool {
        name == "UTC" || (knownZones.contains(name) && TimeZone(identifier: name) != nil)
    }

    /// Read once: Foundation builds the list from the tz database on every call (10,000
    /// clients checked one by one spent most of their time there).
    static let knownZones = Set(TimeZone.knownTimeZoneIdentifiers)

    private mutating func contacts(_ node: JSONTree.Node, _ path: String) -> [ChannelContacts] {
        guard case .object(let ms) = node.value else { fail(path, node, "expected an object of channel: [targets]"); return [] }
        var byChannel: [String: [String]] = [:]
        for m in ms {
            let cp = "\(path).\(m.name)"
            guard let channel = registry.channel(m.name) else { fail(cp, m.node, registry.unknown(m.name)); continue }
            guard let entries = strings(m.node, cp, max: ClientFileParser.targetsPerChannelMax) else { continue }
            if entries.isEmpty { fail(cp, m.node, "no targets (leave the channel out instead)") }
            var targets: [String] = []
            for (i, (t, n)) in entries.enumerated() {
                switch channel.normalise(target: t) {
                case .failure(let e): fail("\(cp)[\(i)]", n, e.message)
                case .success(let norm):
                    if targets.contains(norm) { fail("\(cp)[\(i)]", n, "\(TerminalText.quoted(t)) is listed twice") } else { targets.append(norm) }
                }
            }
            byChannel[m.name] = targets
        }
        // Registry order, so the stored and exported form does not depend on the file's order.
        return registry.names.compactMap { c in byChannel[c].map { ChannelContacts(channel: c, targets: $0) } }
    }

    private mutating func quietHours(_ node: JSONTree.Node, _ path: String) -> QuietHours? {
        guard let m = members(node, path, allowed: ["from", "to"]) else { return nil }
        let from = string(m["from"], "\(path).from", required: true, parent: node).flatMap { s in clock(s, m["from"]!, "\(path).from") }
        let to = string(m["to"], "\(path).to", required: true, parent: node).flatMap { s in clock(s, m["to"]!, "\(path).to") }
        guard let from, let to else { return nil }
        guard from != to else { fail(path, node, "from and to are the same time: quiet hours would be empty"); return nil }
        return QuietHours(fromMinute: from, toMinute: to)
    }

    /// "HH:MM", 00:00 to 23:59.
    private mutating func clock(_ s: String, _ node: JSONTree.Node, _ path: String) -> Int? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
           let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) {
            return h * 60 + m
        }
        fail(path, node, "\(TerminalText.quoted(s)) is not a time of day HH:MM (00:00 to 23:59)")
        return nil
    }

    private mutating func rule(_ node: JSONTree.Node, _ path: String, contacts: [ChannelContacts]) -> RoutingRule? {
        let before = errors.count
        guard let m = members(node, path, allowed: Self.ruleMembers) else { return nil }
        var pattern: EventPattern?
        if let e = string(m["event"], "\(path).event", required: true, parent: node) {
            pattern = EventPattern.parse(e)
            if pattern == nil { fail("\(path).event", m["event"]!, "\(TerminalText.quoted(e)) is not an event pattern: a.b.c (a-z 0-9 _ -), a prefix a.b.* or *") }
        }
        var channels: [String] = []
        if let c = m["channels"], let entries = strings(c, "\(path).channels", max: registry.names.count) {
            if entries.isEmpty { fail("\(path).channels", c, "no channels") }
            for (i, (name, n)) in entries.enumerated() {
                if registry.channel(name) == nil { fail("\(path).channels[\(i)]", n, registry.unknown(name)) }
                else if channels.contains(name) { fail("\(path).channels[\(i)]", n, "\(name) is listed twice") }
                else if !contacts.contains(where: { $0.channel == name }) {
                    fail("\(path).channels[\(i)]", n, "the client has no \(name) contacts")
                } else { channels.append(name) }
            }
        } else if m["channels"] == nil { fail("\(path).channels", node, "missing (required)") }
        var mode = DeliveryMode.all
        if let s = string(m["mode"], "\(path).mode", required: false, parent: node) {
            if let md = DeliveryMode(rawValue: s) { mode = md } else {
                fail("\(path).mode", m["mode"]!, "\(TerminalText.quoted(s)) is not a mode: all, fallback, escalate")
            }
        }
        var after: Int64?
        if let s = string(m["after"], "\(path).after", required: false, parent: node) {
            after = DurationText.milliseconds(s, bareUnit: .seconds)
            if after == nil || after! <= 0 { fail("\(path).after", m["after"]!, "\(TerminalText.quoted(s)) is not a duration such as 90s, 5m or 1h") }
        }
        if mode == .escalate, m["after"] == nil { fail("\(path).after", node, "escalate needs after (how long to wait for an acknowledgement)") }
        if mode != .escalate, let a = m["after"] { fail("\(path).after", a, "after goes with mode escalate only") }
        var experiment: String?
        if let s = string(m["experiment"], "\(path).experiment", required: false, parent: node) {
            if !ClientFileParser.isClientID(s) { fail("\(path).experiment", m["experiment"]!, "\(TerminalText.quoted(s)) is not a name: 1 to 64 of a-z 0-9 . _ -") }
            else if m["channels"] != nil, channels.count < 2 { fail("\(path).experiment", m["experiment"]!, "an experiment needs at least two channels to draw from") }
            experiment = s
        }
        guard errors.count == before, let pattern else { return nil }
        return RoutingRule(event: pattern, channels: channels, mode: mode, after_ms: after, experiment: experiment)
    }
}
