import Foundation
import RcomCLI
import RcomStore

/// `rcom blacklist generate`: deterministic sample data for `rcom blacklist`.
public enum BlacklistGenerateCommand: Command {
    /// Where `rcom blacklist` without FILE finds its sample (`BlacklistSample`).
    static let defaultDirectory = BlacklistSample(nextTo: BlacklistCommand.defaultDatabase).directory

    public static let spec = CommandSpec(
        name: "blacklist generate",
        summary: "Write a sample subscription database and bounce files for rcom blacklist",
        usage: "blacklist generate [--subscribers N] [--bounces N] [--seed N] [--format NAME] [--out DIR] [--db postgres://…] [--replace] [--json]",
        options: [
            OptionSpec("subscribers", value: "N", help: "Subscriptions to create", default: "1000000"),
            OptionSpec("bounces", value: "N", help: "Lines in the bounce files", default: "500000"),
            OptionSpec("seed", value: "N", help: "Same seed, same files", default: "1"),
            OptionSpec("format", value: "NAME",
                       help: "Also write the bounces as these providers export them (sendgrid,mailgun,ses,ses-sns,postmark): DIR/bounces.NAME.json (ses-sns: .jsonl)"),
            OptionSpec("out", value: "DIR", help: "Where to write subscriptions.sqlite, bounces.csv, bounces.txt (must exist, unless it is the default)",
                       default: defaultDirectory),
            OptionSpec("db", value: "URL",
                       help: "Fill the subscriptions into this PostgreSQL database instead of DIR/subscriptions.sqlite (also RCOM_DATABASE_URL)"),
            OptionSpec("replace", help: "Replace DIR/subscriptions.sqlite if it exists, or empty the PostgreSQL database's subscription tables (never otherwise)"),
            OptionSpec("json", help: "Print what was generated as one JSON object"),
        ],
        discussion: """
            The default DIR is the sample that rcom blacklist without FILE imports (its first run
            generates the default one). A database already in DIR is replaced only with --replace.
            The bounce files hold the same addresses: most match a subscriber, 5 % do not, 2 %
            repeat, some differ only in case or surrounding blanks, 0.5 % are malformed; 75 % hard
            bounces. The summary states exactly what an import of either file must report.

            With --db postgres://user[:password]@host[:port]/dbname (or RCOM_DATABASE_URL set to
            one) the same subscribers go into that PostgreSQL database, and the bounce files into
            DIR, so that rcom blacklist DIR/bounces.csv --db postgres://… imports them there.

            --format NAME also writes the same bounces in that provider's export format (for
            the benchmark and for trying the reader): every bounce as a permanent one, so that an
            import of it suppresses the same addresses as bounces.csv.
            """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var generator = SampleDataGenerator()
        let directory: String
        let json: Bool
        let postgres: PostgresURL?
        do throws(UsageError) {
            let given = args.isSet("db") ? args.string("db") : nil
            let location: StoreLocation
            do { location = try StoreLocation.select(given: given, defaultPath: "", environment: ProcessInfo.processInfo.environment) }
            catch { throw UsageError(error.description) }
            switch location {
            case .postgres(let url): postgres = url
            case .sqlite(let path):
                guard path.isEmpty else {
                    throw UsageError("--db takes a PostgreSQL URL (postgres://user[:password]@host[:port]/dbname); the SQLite sample goes to --out DIR")
                }
                postgres = nil
            }
            generator.subscribers = try args.int("subscribers", range: 0...SampleDataGenerator.subscribersMax) ?? 1_000_000
            generator.bounces = try args.int("bounces", range: 0...10_000_000) ?? 500_000
            generator.seed = UInt64(try args.int("seed", range: 0...Int.max) ?? 1)
            directory = args.string("out") ?? defaultDirectory
            json = args.flag("json")
            for name in (args.string("format") ?? "").split(separator: ",") {
                guard let format = BounceFormatName(rawValue: String(name)), format != .csv, format != .list else {
                    throw UsageError("--format takes sendgrid, mailgun, ses, ses-sns, postmark (several separated by commas), got \(TerminalText.quoted(String(name)))")
                }
                generator.exports.append((format, (directory as NSString).appendingPathComponent(ProviderExportWriter.fileName(format))))
            }
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let dir = URL(fileURLWithPath: directory)
        let database = (directory as NSString).appendingPathComponent("subscriptions.sqlite")
        do throws(DataPathError) {
            // The default sample directory sits in the default data directory: both are rcom's.
            if directory == defaultDirectory { try DataPath.prepareParent(of: directory, option: "--out") }
            try DataPath.prepareDirectory(directory, option: "--out", defaultDirectory: defaultDirectory)
        } catch {
            Terminal.error(error.message)
            return ExitCode.failure
        }
        if postgres == nil && FileManager.default.fileExists(atPath: database) && !args.flag("replace") {
            Terminal.error("\(database) exists\(DatabaseContents.summary(database)); rcom blacklist generate would replace it: " +
                           "add --replace to do so, or write the sample elsewhere with --out DIR")
            return ExitCode.failure
        }
        let started = ContinuousClock.now
        let expectation: SampleDataGenerator.Expectation
        do {
            expectation = try generator.generate(
                database: postgres.map { .postgres($0) } ?? .sqlite(path: database),
                csvPath: dir.appendingPathComponent("bounces.csv").path,
                listPath: dir.appendingPathComponent("bounces.txt").path,
                replace: args.flag("replace") || postgres == nil)
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        let elapsed = ContinuousClock.now - started
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(expectation) { print(String(decoding: data, as: UTF8.self)) }
        } else {
            let e = expectation
            print("""
                generated in \(directory) (seed \(generator.seed), \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))):
                  \(postgres.map { "subscriptions in \($0.redacted):" } ?? "subscriptions.sqlite ") \(ImportReport.grouped(e.subscribers)) subscribers
                  bounces.csv/.txt      \(ImportReport.grouped(e.lines)) lines: \(ImportReport.grouped(e.subscribersBounced)) subscribers, \
                \(ImportReport.grouped(e.notSubscribed)) not subscribed, \(ImportReport.grouped(e.duplicates)) repeats, \
                \(ImportReport.grouped(e.malformed)) malformed
                """)
        }
        return ExitCode.success
    }
}
