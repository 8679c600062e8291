import Foundation
import RcomCLI

/// `rcom blacklist generate`: deterministic sample data for `rcom blacklist`.
public enum BlacklistGenerateCommand: Command {
    public static let spec = CommandSpec(
        name: "blacklist generate",
        summary: "Write a sample subscription database and bounce files for rcom blacklist",
        usage: "blacklist generate [--subscribers N] [--bounces N] [--seed N] [--out DIR] [--json]",
        options: [
            OptionSpec("subscribers", value: "N", help: "Subscriptions to create", default: "1000000"),
            OptionSpec("bounces", value: "N", help: "Lines in the bounce files", default: "500000"),
            OptionSpec("seed", value: "N", help: "Same seed, same files", default: "1"),
            OptionSpec("out", value: "DIR", help: "Where to write subscriptions.sqlite, bounces.csv, bounces.txt",
                       default: ".rcom-data"),
            OptionSpec("json", help: "Print what was generated as one JSON object"),
        ],
        discussion: """
            Replaces DIR/subscriptions.sqlite, DIR/bounces.csv and DIR/bounces.txt. The bounce
            files hold the same addresses: most match a subscriber, 5 % do not, 2 % repeat, some
            differ only in case or surrounding blanks, 0.5 % are malformed; 75 % hard bounces.
            The summary states exactly what an import of either file must report.
            """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        var generator = SampleDataGenerator()
        let directory: String
        let json: Bool
        do throws(UsageError) {
            generator.subscribers = try args.int("subscribers", range: 0...SampleDataGenerator.subscribersMax) ?? 1_000_000
            generator.bounces = try args.int("bounces", range: 0...10_000_000) ?? 500_000
            generator.seed = UInt64(try args.int("seed", range: 0...Int.max) ?? 1)
            directory = args.string("out") ?? ".rcom-data"
            json = args.flag("json")
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let dir = URL(fileURLWithPath: directory)
        let started = ContinuousClock.now
        let expectation: SampleDataGenerator.Expectation
        do {
            expectation = try generator.generate(
                databasePath: dir.appendingPathComponent("subscriptions.sqlite").path,
                csvPath: dir.appendingPathComponent("bounces.csv").path,
                listPath: dir.appendingPathComponent("bounces.txt").path)
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
                  subscriptions.sqlite  \(ImportReport.grouped(e.subscribers)) subscribers
                  bounces.csv/.txt      \(ImportReport.grouped(e.lines)) lines: \(ImportReport.grouped(e.subscribersBounced)) subscribers, \
                \(ImportReport.grouped(e.notSubscribed)) not subscribed, \(ImportReport.grouped(e.duplicates)) repeats, \
                \(ImportReport.grouped(e.malformed)) malformed
                """)
        }
        return ExitCode.success
    }
}
