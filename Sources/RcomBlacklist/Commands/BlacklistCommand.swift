import Foundation
import RcomBuildInfo
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// `rcom blacklist`: suppress the subscriptions of bouncing addresses.
public enum BlacklistCommand: Command {
    public static let defaultDatabase = DataPath.defaultDirectory + "/subscriptions.sqlite"
    /// Exit status after Ctrl-C (128 + SIGINT), as shells report it.
    public static let interruptedExitCode: Int32 = 130

    public static let spec = CommandSpec(
        name: "blacklist",
        summary: "Suppress the subscriptions of bouncing addresses (resumable bulk import)",
        usage: "blacklist [FILE] [--format NAME] [--db PATH|postgres://…] [-m sequential|concurrent] [--batch N] [--workers N] [--writers N] [--resume] [--json]",
        options: [
            OptionSpec("mode", short: "m", value: "MODE",
                       help: "sequential: one thread; concurrent: parse on worker threads, sort on two, look subscriptions up on another, one writer", default: "sequential"),
            OptionSpec("db", value: "PATH|URL",
                       help: "Subscription database FILE is imported into: an SQLite file, or postgres://user[:password]@host[:port]/dbname (else RCOM_DATABASE_URL); without FILE, the sample is next to it",
                       default: defaultDatabase, env: "RCOM_DB"),
            OptionSpec("batch", short: "b", value: "N", help: "Addresses per transaction and checkpoint", default: "2000"),
            OptionSpec("window", value: "LINES",
                       help: "Lines sorted together before writing (memory: ~100 bytes a line)", default: "500000"),
            OptionSpec("workers", short: "w", value: "N", help: "Parsing threads in concurrent mode", default: "10"),
            OptionSpec("writers", value: "N",
                       help: "PostgreSQL, concurrent mode: transactions written in parallel, each writer on its own connection (SQLite has one writer)",
                       default: "4"),
            OptionSpec("format", value: "NAME",
                       help: "Read FILE as sendgrid|mailgun|ses|ses-sns|postmark|csv|list instead of telling its format from its content"),
            OptionSpec("resume", help: "Continue from the checkpoint of an interrupted import of FILE"),
            OptionSpec("pause-ms", value: "MS", help: "Sleep after each commit to throttle the import", default: "0"),
            OptionSpec("json", help: "Print the summary as one JSON object"),
        ],
        positionalsMax: 1,
        discussion: """
            FILE is what the email provider exports, its format told from the content (--format
            forces one): SendGrid's bounces (API JSON, or CSV created,email,reason,status),
            Mailgun's (API JSON with items, or CSV address,code,error,created_at), Amazon SES
            ListSuppressedDestinations pages (JSON) or SES bounce/complaint notifications (one
            JSON document per line, bare or in SNS's envelope; transient bounces and other
            messages are counted and skipped), Postmark's
            bounces (API JSON; soft bounces counted and skipped), a generic CSV (header with an
            `email` column, optionally `reason` and `bounced_at`), or one address per line. JSON
            is read record by record, never whole. A file of no known format is refused (exit 2)
            before the database is touched. FILE is imported into the database --db names, which
            must exist; design/blacklist.md says which file to download from each provider.

            Without FILE, rcom blacklist shows its work on sample data: sample/ next to the
            database (.rcom-data/sample/) holds 1,000,000 subscribers and 500,000 bounces,
            generated on first use (rcom blacklist generate makes other sizes), and each run
            imports the bounces into a fresh copy of the sample database for its mode,
            sample/sequential.sqlite or sample/concurrent.sqlite. So both modes do the same
            work, as often as you like, and your own database is never touched.

            Addresses are sorted a window at a time, so each transaction touches neighbouring
            pages. Each batch commits together with a checkpoint, so after a crash or Ctrl-C
            `--resume` continues where the last commit stopped and the end state equals that of
            an uninterrupted run. Ctrl-C finishes the batch in flight and prints the line to resume
            from. An import never un-suppresses anyone; running it again changes nothing.

            With --db postgres://… (or RCOM_DATABASE_URL) the store is PostgreSQL: the same tables
            and guarantees; concurrent mode then writes on --writers connections at once, and the
            checkpoint still only covers what is committed (batches committed out of order are
            logged with their own transaction and skipped by --resume). Create the sample there
            with rcom blacklist generate --db postgres://… --out DIR.

            Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT (an OpenTelemetry collector's http://host:4318)
            the import sends a span for the run and one per committed batch (rows, time parsing vs
            committing), flushed at exit within 3 s (OTEL_* variables: design/tracing.md).

            Exit status: 0 done, 1 failed (see message; also a FILE with no valid address),
            2 usage or a FILE of no known format, 130 interrupted (resumable).
            """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var options = ImportOptions(importStartedAt_s: Int64(Date().timeIntervalSince1970))
        let location: StoreLocation
        let json: Bool
        do throws(UsageError) {
            let mode = try args.choice("mode", among: ImportOptions.Mode.allCases.map(\.rawValue)) ?? "sequential"
            options.mode = ImportOptions.Mode(rawValue: mode) ?? .sequential
            options.batchLines = try args.int("batch", range: 1...1_000_000) ?? 2_000
            options.windowLines = try args.int("window", range: 1...50_000_000) ?? 500_000
            options.workers = try args.int("workers", range: 1...256) ?? 10
            options.writers = try args.int("writers", range: 1...64) ?? 4
            options.pauseBetweenBatches_ms = try args.int("pause-ms", range: 0...60_000) ?? 0
            options.resume = args.flag("resume")
            if let name = try args.choice("format", among: BounceFormatName.allCases.map(\.rawValue)) {
                options.format = BounceFormatName(rawValue: name)
            }
            json = args.flag("json")
            if args.isSet("db"), args.string("db")?.isEmpty ?? true { throw UsageError("--db needs a path or a postgres:// URL") }
            do {
                location = try StoreLocation.select(given: args.isSet("db") ? args.string("db") : nil,
                                                    defaultPath: args.string("db") ?? defaultDatabase,
                                                    environment: ProcessInfo.processInfo.environment)
            } catch { throw UsageError(error.description) }
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }

        let file: String
        let target: String
        var notes: [String] = []
        if case .postgres(let url) = location {
            guard let given = args.positionals.first else {
                Terminal.error("with a PostgreSQL database, name the bounce FILE to import; to fill the sample into it: " +
                               "rcom blacklist generate --db \(url.redacted) --out DIR, then rcom blacklist DIR/bounces.csv --db …")
                return ExitCode.usage
            }
            return importFile(given, into: location, options: options, json: json, notes: [])
        }
        let database = location.description
        if let given = args.positionals.first {
            file = given
            target = database
            guard FileManager.default.fileExists(atPath: database) else {
                Terminal.error("no database at \(database): FILE is imported into an existing subscription database " +
                               "(point --db or RCOM_DB at yours); to see the import work on sample data, run rcom blacklist without FILE")
                return ExitCode.failure
            }
        } else {
            let sample = BlacklistSample(nextTo: database)
            do {
                try sample.prepare(database: database)
                target = try sample.database(for: options.mode, resume: options.resume)
            } catch {
                Terminal.error(error.description)
                return ExitCode.failure
            }
            file = sample.bounces
            notes.append("no FILE: the sample, imported into \(options.resume ? "its" : "a fresh") copy of \(sample.pristine) " +
                         "(\(database) is not touched)")
        }
        return importFile(file, into: .sqlite(path: target), options: options, json: json, notes: notes)
    }

    /// The import, traced (a run span, a span per committed batch) when an OTLP endpoint is set.
    private static func importFile(_ file: String, into location: StoreLocation, options: ImportOptions, json: Bool,
                                   notes: [String]) -> Int32 {
        let tracing: BlacklistTracing?
        switch CommandTracing.make(ProcessInfo.processInfo.environment, serviceName: "rcom-blacklist", version: RcomBuild.version,
                                   entropy: SystemEntropy()) {
        case .failure(let e):
            Terminal.error(e.description)
            return ExitCode.usage
        case .success(let t): tracing = t.map { BlacklistTracing(tracing: $0, file: file, database: location.description) }
        }
        var figures: [SpanAttribute] = []
        let code = importFile(file, into: location, options: options, json: json, notes: notes, observer: tracing, figures: &figures)
        tracing?.finish(exitCode: code, attributes: figures)
        return code
    }

    private static func importFile(_ file: String, into location: StoreLocation, options: ImportOptions, json: Bool,
                                   notes: [String], observer: ImportBatchObserver?, figures: inout [SpanAttribute]) -> Int32 {
        let database = location.description
        // Before the store is opened: a file of no known format leaves the database untouched.
        do { _ = try SuppressionImporter.format(of: file, forced: options.format) } catch {
            Terminal.error(error.description)
            if case .unrecognizedFormat = error { return ExitCode.usage }
            return ExitCode.failure
        }
        let store: any SuppressionStore
        do { store = try location.openSuppressionStore() } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        let reporter = Terminal.stderrIsTerminal ? ProgressReporter() : nil
        let (flag, watcher) = InterruptFlag.watchingSIGINT()
        defer { InterruptFlag.stopWatching(watcher) }
        let importer = SuppressionImporter(store: store, options: options, interrupt: flag,
                                           progress: reporter.map { r in { r.update($0) } })
        importer.batchObserver = observer
        var report: ImportReport
        do {
            report = try importer.run(path: file, displayDatabase: database)
            report.notes.insert(contentsOf: notes, at: 0)
        } catch {
            reporter?.finish()
            Terminal.error(error.description)
            return ExitCode.failure
        }
        reporter?.finish()
        print(json ? report.json : report.text, terminator: json ? "\n" : "")
        figures = [SpanAttribute("rcom.lines_read", .int(Int64(report.counters.linesRead))),
                   SpanAttribute("rcom.valid", .int(Int64(report.counters.valid))),
                   SpanAttribute("rcom.newly_suppressed", .int(Int64(report.counters.newlySuppressed))),
                   SpanAttribute("rcom.interrupted", .bool(report.interrupted))]
        if report.interrupted {
            let resume = "rcom blacklist \(file) --db \(database)\(options.mode == .concurrent ? " -m concurrent" : "") --resume"
            if let w = report.openWindow {
                Terminal.error("interrupted inside \(ImportReport.window(w)) (every committed batch is kept); resume with: \(resume)")
            } else {
                Terminal.error("interrupted after line \(ImportReport.grouped(report.nextLine - 1)) " +
                               "(every line up to it is committed); resume with: \(resume)")
            }
            return interruptedExitCode
        }
        let c = report.counters
        if report.completed && c.valid == 0 {
            // Nothing could be imported: most likely not a bounce file at all.
            Terminal.error("\(file) holds no valid address (\(ImportReport.grouped(c.linesRead)) line\(c.linesRead == 1 ? "" : "s") read: " +
                           "\(ImportReport.grouped(c.malformed)) malformed, \(ImportReport.grouped(c.blank)) blank), " +
                           "so nothing was imported; rcom blacklist reads the provider's CSV export (a header with an " +
                           "email column) or one address per line")
            return ExitCode.failure
        }
        return ExitCode.success
    }
}
