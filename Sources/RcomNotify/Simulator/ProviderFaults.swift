import RcomCore
import RcomCLI

/// Faults the providers simulator injects: `--faults [CHANNEL:]KIND=AMOUNT,...` where KIND is
/// `500` (server error), `429` (rate limited, with Retry-After), `timeout` (never answers),
/// `reject` (a permanent refusal) or `reset` (connection reset), and AMOUNT is a probability
/// (`0.1`, drawn from the seeded generator) or `Nx` (the first N requests of that channel).
/// Rules apply in the order given; the first that fires wins.
public struct ProviderFaults: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case serverError = "500"
        case rateLimited = "429"
        case timeout
        case reject
        case reset
    }

    public enum Amount: Sendable, Equatable {
        case probability(Double)
        case first(Int)
    }

    public struct Rule: Sendable, Equatable {
        public let channel: String?
        public let kind: Kind
        public let amount: Amount
    }

    public private(set) var rules: [Rule] = []
    public init() {}

    public static func parse(_ text: String, channels: [String]) -> Result<ProviderFaults, TargetError> {
        var spec = ProviderFaults()
        for raw in text.split(separator: ",") {
            let item = raw.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            var channel: String?
            var kindText = kv[0]
            if let colon = kindText.firstIndex(of: ":") {
                channel = String(kindText[..<colon])
                kindText = String(kindText[kindText.index(after: colon)...])
                guard channels.contains(channel!) else {
                    return .failure(TargetError("fault \(TerminalText.quoted(item)): unknown channel; channels: \(channels.joined(separator: ", "))"))
                }
            }
            guard kv.count == 2, let kind = Kind(rawValue: kindText) else {
                return .failure(TargetError("fault \(TerminalText.quoted(item)): expected [CHANNEL:]KIND=P or KIND=Nx with KIND one of "
                                            + Kind.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            let amount: Amount
            if kv[1].hasSuffix("x"), let n = Int(kv[1].dropLast()), n >= 0 {
                amount = .first(n)
            } else if let p = Double(kv[1]), p >= 0, p <= 1 {
                amount = .probability(p)
            } else {
                return .failure(TargetError("fault \(TerminalText.quoted(item)): amount must be a probability 0...1 or Nx (first N requests)"))
            }
            spec.rules.append(Rule(channel: channel, kind: kind, amount: amount))
        }
        return .success(spec)
    }
}

/// The running side of `ProviderFaults`: counts requests per rule and draws from the seeded dice.
struct FaultDice {
    let faults: ProviderFaults
    let dice: SeededEntropy
    private var seen: [Int] = []

    init(_ faults: ProviderFaults, dice: SeededEntropy) {
        self.faults = faults
        self.dice = dice
        seen = Array(repeating: 0, count: faults.rules.count)
    }

    /// The fault for this request of `channel`, if any.
    mutating func roll(channel: String) -> ProviderFaults.Kind? {
        for (i, rule) in faults.rules.enumerated() where rule.channel == nil || rule.channel == channel {
            switch rule.amount {
            case .first(let n):
                seen[i] += 1
                if seen[i] <= n { return rule.kind }
            case .probability(let p):
                if p > 0 && dice.unit() < p { return rule.kind }
            }
        }
        return nil
    }
}

/// `--engage email=0.2,sms=0.35,slack=0.5`: the probability that a delivered message's
/// tracking link is clicked by the simulated recipient.
public enum EngageSpec {
    public static func parse(_ text: String, channels: [String]) -> Result<[String: Double], TargetError> {
        var out: [String: Double] = [:]
        for raw in text.split(separator: ",") {
            let kv = raw.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, channels.contains(kv[0]), let p = Double(kv[1]), p >= 0, p <= 1 else {
                return .failure(TargetError("--engage \(TerminalText.quoted(raw)): expected CHANNEL=PROBABILITY with CHANNEL one of \(channels.joined(separator: ", "))"))
            }
            out[kv[0]] = p
        }
        return .success(out)
    }
}
