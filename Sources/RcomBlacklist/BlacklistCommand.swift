import Foundation
import RcomCLI
import RcomStore

/// `rcom blacklist`: suppress the subscriptions of bouncing addresses.
public enum BlacklistCommand: Command {
    public static let defaultDatabase = ".rcom-data/subscriptions.sqlite"
    /// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
    public static let interruptedExitCode: Int32 = 130

    public static let spec = CommandSpec(
        name: "blacklist",
        summary: "Suppress the subscriptions of bouncing addresses (resumable bulk import)",
        usage: "blacklist [FILE] [--db PATH] [-m sequential|concurrent] [--batch N] [--workers N] [--resume] [--json]",
        options: [
            OptionSpec("mode", short: "m", value: "MODE",
                       help: "sequential: one thread; concurrent: parse on worker threads, sort on two, look subscriptions up on another, one writer", default: "sequential"),
            OptionSpec("db", value: "PATH", help: "Subscription database (SQLite)", default: defaultDatabase, env: "RCOM_DB"),
            OptionSpec("batch", short: "b", value: "N", help: "Addresses per transaction and checkpoint", default: "2000"),
            OptionSpec("window", value: "LINES",
                       help: "Lines sorted together before writing (memory: ~100 bytes a line)", default: "500000"),
            OptionSpec("workers", short: "w", value: "N", help: "Parsing threads in concurrent mode", default: "10"),
            OptionSpec("resume", help: "Continue from the checkpoint of an interrupted import of FILE"),
            OptionSpec("pause-ms", value: "MS", help: "Sleep after each commit to throttle the import", default: "0"),
            OptionSpec("json", help: "Print the summary as one JSON object"),
        ],
        positionalsMax: 1,
        discussion: """
            FILE is the provider's CSV export (header with an `email` column, optionally `reason`
            and `bounced_at`) or one address per line. Without FILE, the bounces.csv next to the
            database is used; if the database does not exist yet, sample data (1,000,000
            subscribers, 500,000 bounces) is generated there first.

            Addresses are sorted a window at a time, so each transaction touches neighbouring
            pages. Each batch commits together with a checkpoint, so after a crash or Ctrl-C
            `--resume` continues where the last commit stopped and the end state equals that of
            an uninterrupted run. Ctrl-C finishes the batch in flight and prints the line to resume
            from. An import never un-suppresses anyone; running it again changes nothing.

            Exit status: 0 done, 1 failed (see message), 2 usage, 130 interrupted (resumable).
            """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var options = ImportOptions(importStartedAt_s: Int64(Date().timeIntervalSince1970))
        let database: String
        let json: Bool
        do throws(UsageError) {
            let mode = try args.choice("mode", among: ImportOptions.Mode.allCases.map(\.rawValue)) ?? "sequential"
            options.mode = ImportOptions.Mode(rawValue: mode) ?? .sequential
            options.batchLines = try args.int("batch", range: 1...1_000_000) ?? 2_000
            options.windowLines = try args.int("window", range: 1...50_000_000) ?? 500_000
            options.workers = try args.int("workers", range: 1...256) ?? 10
            options.pauseBetweenBatches_ms = try args.int("pause-ms", range: 0...60_000) ?? 0
            options.resume = args.flag("resume")
            json = args.flag("json")
            guard let db = args.string("db"), !db.isEmpty else { throw UsageError("--db needs a path") }
            database = db
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }

        let file: String
        if let given = args.positionals.first {
            file = given
            guard FileManager.default.fileExists(atPath: database) else {
                Terminal.error("no database at \(database); point --db (or RCOM_DB) at the subscription database, " +
                               "or create sample data with: rcom blacklist generate")
                return ExitCode.failure
            }
        } else {
            file = URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("bounces.csv").relativePath
            if !FileManager.default.fileExists(atPath: database) {
                if let status = generateSample(database: database, bounces: file) { return status }
            }
            guard FileManager.default.fileExists(atPath: file) else {
                Terminal.error("no FILE given and \(file) does not exist; pass the bounce file: rcom blacklist FILE")
                return ExitCode.failure
            }
        }
        return importFile(file, database: database, options: options, json: json)
    }

    /// Nil when the sample is ready, else the exit status.
    private static func generateSample(database: String, bounces: String) -> Int32? {
        let generator = SampleDataGenerator()
        Terminal.stderr("rcom: no database at \(database); generating sample data first " +
                        "(\(ImportReport.grouped(generator.subscribers)) subscribers, " +
                        "\(ImportReport.grouped(generator.bounces)) bounces, seed \(generator.seed))\n")
        let list = URL(fileURLWithPath: bounces).deletingPathExtension().appendingPathExtension("txt").relativePath
        do {
            _ = try generator.generate(databasePath: database, csvPath: bounces, listPath: list)
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        return nil
    }

    private static func importFile(_ file: String, database: String, options: ImportOptions, json: Bool) -> Int32 {
        let store: SQLiteSuppressionStore
        do { store = try SQLiteSuppressionStore(path: database) } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        let reporter = Terminal.stderrIsTerminal ? ProgressReporter() : nil
        let (flag, watcher) = InterruptFlag.watchingSIGINT()
        defer { InterruptFlag.stopWatching(watcher) }
        let importer = SuppressionImporter(store: store, options: options, interrupt: flag,
                                           progress: reporter.map { r in { r.update($0) } })
        let report: ImportReport
        do {
            report = try importer.run(path: file, displayDatabase: database)
        } catch {
            reporter?.finish()
            Terminal.error(error.description)
            return ExitCode.failure
        }
        reporter?.finish()
        print(json ? report.json : report.text, terminator: json ? "\n" : "")
        guard report.interrupted else { return ExitCode.success }
        Terminal.error("interrupted after line \(report.nextLine - 1) (all batches up to it are committed); " +
                       "resume with: rcom blacklist \(file) --db \(database) --resume")
        return interruptedExitCode
    }
}
