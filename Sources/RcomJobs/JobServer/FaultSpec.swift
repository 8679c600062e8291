import Foundation
import RcomCLI

/// Which faults the job server injects and how often: `--faults drop-callback=0.1,
/// duplicate-callback=0.05,early-callback=0.2,delay-callback=2s@0.1,error-500=0.05,reset=0.02,
/// reset-after-start=0.02,slow-start=300ms@0.1`. Probabilities are per start request, drawn from the seeded generator.
public struct FaultSpec: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, CaseIterable, Sendable {
        case dropCallback = "drop-callback"
        case duplicateCallback = "duplicate-callback"
        case earlyCallback = "early-callback"
        case delayCallback = "delay-callback"
        case error500 = "error-500"
        /// The connection is reset instead of starting the job.
        case reset = "reset"
        /// The job starts (its callback will come), then the connection is reset before the
        /// start response is written: the other side of the ambiguity a proxy must handle.
        case resetAfterStart = "reset-after-start"
        case slowStart = "slow-start"

        var takesDuration: Bool { self == .delayCallback || self == .slowStart }
    }

    public struct Rule: Equatable, Sendable {
        public let probability: Double
        public let delay_ms: Int64
    }

    public private(set) var rules: [Kind: Rule] = [:]

    public init() {}

    public static func parse(_ text: String) -> Result<FaultSpec, FaultSpecError> {
        var spec = FaultSpec()
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Kind(rawValue: parts[0]) else {
                let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(FaultSpecError("unknown fault \(TerminalText.quoted(item)); known: \(known)"))
            }
            var probabilityText = parts[1]
            var delay_ms: Int64 = 0
            if kind.takesDuration {
                let dp = parts[1].split(separator: "@", maxSplits: 1).map(String.init)
                guard dp.count == 2, let d = DurationText.milliseconds(dp[0], bareUnit: .milliseconds) else {
                    return .failure(FaultSpecError("\(kind.rawValue) wants DURATION@PROBABILITY, e.g. \(kind.rawValue)=2s@0.1"))
                }
                delay_ms = d
                probabilityText = dp[1]
            }
            guard let p = Double(probabilityText), p >= 0, p <= 1 else {
                return .failure(FaultSpecError("\(kind.rawValue): probability must be between 0 and 1, got \(TerminalText.quoted(probabilityText))"))
            }
            spec.rules[kind] = Rule(probability: p, delay_ms: delay_ms)
        }
        return .success(spec)
    }

    public func rule(_ kind: Kind) -> Rule? { rules[kind] }

    public var description: String {
        Kind.allCases.compactMap { k in
            rules[k].map { r in k.takesDuration ? "\(k.rawValue)=\(r.delay_ms)ms@\(r.probability)" : "\(k.rawValue)=\(r.probability)" }
        }.joined(separator: ",")
    }
}

public struct FaultSpecError: Error, Equatable, CustomStringConvertible {
    public let message: String
    init(_ m: String) { message = m }
    public var description: String { message }
}
