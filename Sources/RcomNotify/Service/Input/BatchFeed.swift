import Foundation
import RcomCore

/// The notifications of a `--batch` CSV file (`channel,target,message`), prepared one line at a
/// time as the delivery stage asks for more.
///
/// Random assignment (`-c random`, or `random` in the channel column): the target column lists
/// the recipient's addresses as `channel:target|channel:target|...` and one is drawn uniformly,
/// so that comparing channels compares channels, not the people who chose them.
public final class BatchFeed: NotificationFeed {
    public struct Counts: Sendable, Equatable {
        public var lines = 0
        public var prepared = 0
        public var suppressed = 0
        public var invalid = 0
        public var storeFailures = 0
        /// Prepared notifications their channel warned about (an SMS over one part).
        public var warned = 0
        /// Rows whose idempotency key another run or process had claimed: not sent again.
        public var claimedElsewhere = 0
    }

    /// Problems reported in detail; later ones are only counted.
    public static let problemsShownMax = 10

    private let records: CSVRecords
    private let service: NotificationService
    private let defaultChannel: String?
    private let randomAll: Bool
    private let dice: EntropySource
    public private(set) var counts = Counts()
    public private(set) var problems: [String] = []
    /// The channels' warnings, first `problemsShownMax` of them.
    public private(set) var warnings: [String] = []
    private let onSkipped: (String) -> Void
    private let claim: ((Int) -> Result<Bool, StoreErrorText>)?

    /// `onSkipped` is told about each line not delivered (suppressed or invalid), for progress.
    /// `claim`, when given, is asked for each row's line number before the row is prepared: true
    /// sends it, false means another run or process claimed it (skipped, counted).
    public init(reader: LineReader, service: NotificationService, channel: String?, dice: EntropySource,
                onSkipped: @escaping (String) -> Void = { _ in },
                claim: ((Int) -> Result<Bool, StoreErrorText>)? = nil) {
        self.claim = claim
        self.records = CSVRecords(reader)
        self.service = service
        self.randomAll = channel == "random"
        self.defaultChannel = channel == "random" ? nil : channel
        self.dice = dice
        self.onSkipped = onSkipped
    }

    public func next() -> (Notification, any Channel)? {
        while let record = records.next() {
            let number = record.line
            guard CSVRecords.isRow(record.text, line: number) else { continue }
            counts.lines += 1
            guard let f = record.fields else {
                invalid(number, record.problem?.description ?? "line longer than \(LineReader.lineBytesMax) bytes")
                continue
            }
            guard f.count == 3 else {
                invalid(number, "expected channel,target,message, got \(f.count) field\(f.count == 1 ? "" : "s") (quote fields that contain commas)")
                continue
            }
            var channel = f[0].trimmingCharacters(in: .whitespaces)
            var target = f[1]
            var assignment = Assignment.chosen
            if randomAll || channel == "random" {
                let options = target.split(separator: "|").compactMap { o -> (String, String)? in
                    let kv = o.split(separator: ":", maxSplits: 1).map(String.init)
                    return kv.count == 2 ? (kv[0].trimmingCharacters(in: .whitespaces), kv[1]) : nil
                }
                guard !options.isEmpty else {
                    invalid(number, "random assignment needs targets as channel:target|channel:target")
                    continue
                }
                let pick = options[Int(dice.next64() % UInt64(options.count))]
                (channel, target) = pick
                assignment = .random
            } else if channel.isEmpty, let d = defaultChannel {
                channel = d
            }
            switch claim?(number) {
            case .success(false)?:
                counts.claimedElsewhere += 1
                onSkipped("")
                continue
            case .failure(let why)?:
                counts.storeFailures += 1
                if problems.count < Self.problemsShownMax { problems.append("line \(number): \(why.message)") }
                onSkipped("")
                continue
            case .success(true)?, nil: break
            }
            switch service.prepare(channel: channel, target: target, message: f[2], assignment: assignment) {
            case .ready(let n, let c):
                counts.prepared += 1
                let said = c.warnings(for: n)
                if !said.isEmpty {
                    counts.warned += 1
                    if warnings.count < Self.problemsShownMax { warnings += said.map { "line \(number): \($0)" } }
                }
                return (n, c)
            case .suppressed(let n):
                counts.suppressed += 1
                onSkipped(n.id)
            case .rejected(let why):
                invalid(number, why)
            case .storeFailed(let why):
                counts.storeFailures += 1
                if problems.count < Self.problemsShownMax { problems.append("line \(number): \(why)") }
                onSkipped("")
            }
        }
        return nil
    }

    private func invalid(_ line: Int, _ why: String) {
        counts.invalid += 1
        if problems.count < Self.problemsShownMax { problems.append("line \(line): \(why)") }
        onSkipped("")
    }
}
