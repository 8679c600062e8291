import Foundation
import RcomCore
import RcomStore

/// Writes a subscription database and the provider's bounce export for it, the same for the same
/// seed. Subscribers are inserted in sign-up order (ids unrelated to address order, as in a real
/// table); the bounce file mixes, per line:
///   0.5 % malformed, 2 % repeats of an earlier address, 5 % addresses with no subscription,
///   the rest distinct subscribers; of the valid lines 3 % differ in letter case and 2 % carry
///   surrounding blanks. 75 % hard bounces, 25 % soft.
/// `bounces.csv` is the CSV export (`email,reason,bounced_at`); `bounces.txt` holds the same
/// addresses one per line.
public struct SampleDataGenerator: Sendable {
    public var subscribers = 1_000_000
    public var bounces = 500_000
    public var seed: UInt64 = 1
    /// Providers' exports to write besides bounces.csv and bounces.txt, the same rows in each
    /// (`ProviderExportWriter`): format and path.
    public var exports: [(format: BounceFormatName, path: String)] = []

    /// Addresses are `<name><n>@<domain>` with a distinct n per subscriber, so they are unique;
    /// non-subscribers use n at or above this bound.
    public static let subscribersMax = 10_000_000

    public init() {}

    /// What was generated: the exact outcome an import of either bounce file must report.
    public struct Expectation: Sendable, Equatable, Codable {
        public var subscribers = 0
        public var lines = 0
        public var malformed = 0
        public var duplicates = 0
        public var notSubscribed = 0
        public var subscribersBounced = 0
    }

    /// Writes the three files; their directory must exist (the commands check it: `DataPath`).
    public func generate(databasePath: String, csvPath: String, listPath: String) throws(ImportError) -> Expectation {
        try generate(database: .sqlite(path: databasePath), csvPath: csvPath, listPath: listPath, replace: true)
    }

    /// Writes the subscriptions into `database` (an SQLite file, replaced whole; or a PostgreSQL
    /// database, whose subscription tables must be empty unless `replace`) and the bounce files.
    public func generate(database: StoreLocation, csvPath: String, listPath: String,
                         replace: Bool) throws(ImportError) -> Expectation {
        precondition(subscribers <= Self.subscribersMax && subscribers >= 0 && bounces >= 0)
        var expectation = Expectation()
        expectation.subscribers = subscribers
        switch database {
        case .sqlite(let path): try writeDatabase(path)
        case .postgres(let url): try writePostgres(url, replace: replace)
        }
        try writeBounces(csvPath: csvPath, listPath: listPath, into: &expectation)
        return expectation
    }

    /// The subscribers' rows, in sign-up order: (email, id, subscribed_at).
    struct SubscriberRows: IteratorProtocol {
        let generator: SampleDataGenerator
        var rng: SplitMix64
        var i = 0
        static let signupStart_s = 1_546_300_800  // 2019-01-01
        static let signupSpan_s = 7 * 365 * 86_400

        init(_ generator: SampleDataGenerator) {
            self.generator = generator
            rng = SplitMix64(seed: generator.seed ^ 0x5eed)
        }

        mutating func next() -> (email: String, id: Int64, subscribedAt: Int64)? {
            guard i < generator.subscribers else { return nil }
            let at = Self.signupStart_s + i * (Self.signupSpan_s / max(generator.subscribers, 1)) + rng.below(3_600)
            defer { i += 1 }
            return (generator.subscriberAddress(i), Int64(i + 1), Int64(at))
        }
    }

    /// PostgreSQL: the same rows, COPYed into a temporary table and inserted in email order, in
    /// one transaction (a failure leaves the tables as they were).
    private func writePostgres(_ url: PostgresURL, replace: Bool) throws(ImportError) {
        let db: PostgresConnection
        do throws(StoreError) {
            db = try PostgresConnection(url: url)
            try PostgresSchema.migrate(db)
            let filled = try db.query("SELECT EXISTS (SELECT 1 FROM subscriptions) OR EXISTS (SELECT 1 FROM suppressions)")
            guard replace || filled.text(0, 0) != "t" else {
                throw StoreError.store("it already holds subscriptions or suppressions, which rcom blacklist generate would " +
                                       "replace: add --replace to do so, or point --db at an empty database",
                                       context: "will not fill \(url.redacted)")
            }
            try db.transaction { () throws(StoreError) in
                try db.execute("""
                    TRUNCATE suppressions, import_batches, import_checkpoints, subscriptions, suppression_reasons;
                    CREATE TEMP TABLE staged (email text, id bigint, subscribed_at bigint) ON COMMIT DROP
                    """)
                var rows = SubscriberRows(self)
                try db.copyIn("COPY staged FROM STDIN") { (buffer) throws(StoreError) -> Bool in
                    // Sample addresses hold no tab, newline or backslash: no COPY escaping needed.
                    for _ in 0..<10_000 {
                        guard let r = rows.next() else { return false }
                        buffer.append(contentsOf: "\(r.email)\t\(r.id)\t\(r.subscribedAt)\n".utf8)
                    }
                    return true
                }
                try db.execute("INSERT INTO subscriptions (email, id, subscribed_at) SELECT email, id, subscribed_at FROM staged ORDER BY email")
            }
            try db.execute("ANALYZE subscriptions")
        } catch {
            throw .store(error, resumeLine: nil)
        }
    }

    // MARK: addresses

    /// Scatters subscriber numbers so neighbouring ids do not get neighbouring addresses.
    static func number(forSubscriber i: Int) -> Int { (i &* 7_919) % subscribersMax }

    static func address(number: Int, rng: inout SplitMix64) -> String {
        let first = SampleVocabulary.firstNames[rng.below(SampleVocabulary.firstNames.count)]
        let last = SampleVocabulary.lastNames[rng.below(SampleVocabulary.lastNames.count)]
        let local: String
        switch rng.below(5) {
        case 0: local = "\(first).\(last)\(number)"
        case 1: local = "\(first.prefix(1))\(last)\(number)"
        case 2: local = "\(first)_\(last)\(number)"
        case 3: local = "\(first)\(number)"
        default: local = "\(last).\(first)\(number)"
        }
        var pick = rng.below(100)
        for (domain, weight) in SampleVocabulary.domains {
            if pick < weight { return "\(local)@\(domain)" }
            pick -= weight
        }
        preconditionFailure("domain weights must sum to 100")
    }

    /// Each subscriber's address depends only on (seed, index), so the bounce file can recompute it.
    func subscriberAddress(_ i: Int) -> String {
        var rng = SplitMix64(seed: seed ^ (UInt64(i) &* 0xd1b5_4a32_d192_ed03))
        return Self.address(number: Self.number(forSubscriber: i), rng: &rng)
    }

    // MARK: database

    private func writeDatabase(_ path: String) throws(ImportError) {
        let temporary = path + ".generating"
        for suffix in ["", "-wal", "-shm"] { unlink(temporary + suffix) }
        do throws(StoreError) {
            let db = try SQLiteDatabase(path: temporary)
            try StoreSchema.migrate(db)
            try db.execute("PRAGMA synchronous = OFF")
            // Staged in an index-free temporary table, then copied in email order: inserted in
            // random order straight into the email B-tree, every row landed on a cold page and
            // rebalanced it (half of the generation's time). SQLite's own sorter does the rest.
            try db.execute("CREATE TEMP TABLE staged (email TEXT, id INTEGER, subscribed_at INTEGER)")
            try db.transaction { () throws(StoreError) in
                let insert = try db.prepare("INSERT INTO staged (email, id, subscribed_at) VALUES (?1, ?2, ?3)")
                var rows = SubscriberRows(self)
                while let r = rows.next() {
                    insert.bind(1, r.email)
                    insert.bind(2, r.id)
                    insert.bind(3, r.subscribedAt)
                    try insert.step()
                    insert.reset()
                }
                try db.execute("""
                    INSERT INTO subscriptions (email, id, subscribed_at)
                    SELECT email, id, subscribed_at FROM staged ORDER BY email
                    """)
            }
            try db.execute("DROP TABLE staged")
        } catch {
            throw .store(error, resumeLine: nil)
        }
        // The connection is closed here (out of scope), which checkpoints and removes the WAL.
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        guard rename(temporary, path) == 0 else {
            throw .io("cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: bounce files

    private func writeBounces(csvPath: String, listPath: String, into e: inout Expectation) throws(ImportError) {
        var rng = SplitMix64(seed: seed ^ 0xb0_0c_e5)
        // Which subscribers bounce: a prefix of a seeded shuffle, so each bounces at most once.
        var order = [Int32](unsafeUninitializedCapacity: subscribers) { buffer, count in
            for i in 0..<subscribers { buffer[i] = Int32(i) }
            count = subscribers
        }
        var nextSubscriber = 0
        var emitted: [String] = []
        emitted.reserveCapacity(bounces)
        var nextStranger = Self.subscribersMax
        let csv = try BufferedFileWriter(path: csvPath)
        let list = try BufferedFileWriter(path: listPath)
        let providers = try exports.map { (e) throws(ImportError) in try ProviderExportWriter(format: e.format, path: e.path) }
        csv.write("email,reason,bounced_at\n")
        let bounceStart_s = 1_790_812_800  // 2026-10-01
        for _ in 0..<bounces {
            e.lines += 1
            let roll = rng.below(1_000)
            var address: String
            if roll < 5 {
                e.malformed += 1
                address = SampleVocabulary.malformed[rng.below(SampleVocabulary.malformed.count)]
            } else {
                if roll < 25, !emitted.isEmpty {
                    e.duplicates += 1
                    address = emitted[rng.below(emitted.count)]
                } else if roll < 75 || nextSubscriber == subscribers {
                    e.notSubscribed += 1
                    var r = SplitMix64(seed: seed ^ UInt64(nextStranger))
                    address = Self.address(number: nextStranger, rng: &r)
                    nextStranger += 1
                } else {
                    let pick = nextSubscriber + rng.below(subscribers - nextSubscriber)
                    order.swapAt(nextSubscriber, pick)
                    address = subscriberAddress(Int(order[nextSubscriber]))
                    nextSubscriber += 1
                    e.subscribersBounced += 1
                }
                emitted.append(address)
                address = Self.disguise(address, rng: &rng)
            }
            let hard = rng.below(4) != 0
            let reasons = hard ? SampleVocabulary.hardReasons : SampleVocabulary.softReasons
            let reason = reasons[rng.below(reasons.count)]
            let at_s = bounceStart_s + rng.below(54 * 86_400)
            let at = UTCTime.iso8601(epochSeconds: at_s)
            csv.write(Self.csvField(address) + "," + Self.csvField(reason) + "," + at + "\n")
            list.write(address + "\n")
            for p in providers { p.write(address: address, reason: reason, at: at_s) }
        }
        try csv.finish()
        try list.finish()
        for p in providers { try p.finish() }
    }

    /// The variants a real export has: capitals, and blanks around the address.
    static func disguise(_ address: String, rng: inout SplitMix64) -> String {
        var out = address
        if rng.chance(0.03) {
            switch rng.below(3) {
            case 0: out = out.uppercased()
            case 1: out = out.prefix(1).uppercased() + out.dropFirst()
            default:
                let parts = out.split(separator: "@", maxSplits: 1)
                out = parts[0] + "@" + parts[1].uppercased()
            }
        }
        if rng.chance(0.02) { out = [" ", "  ", "\t"][rng.below(3)] + out + [" ", ""][rng.below(2)] }
        return out
    }

    static func csvField(_ s: String) -> String {
        // Bytes, not `String.contains(String)`: that is Foundation's search, and it was a tenth
        // of generating the sample (two fields a line, 500,000 lines).
        guard s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
