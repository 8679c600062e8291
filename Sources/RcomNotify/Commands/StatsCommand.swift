import Foundation
import RcomCLI
import RcomStore

/// `rcom stats`: which channel drives engagement.
public enum StatsCommand: Command {
    public static let spec = CommandSpec(
        name: "stats",
        summary: "Per channel delivery and engagement (clicks ÷ delivered) with 95% intervals and a significance test",
        usage: "stats [--db PATH] [--json] [--svg FILE] [--population auto|random|all | --experiment NAME | --by channel|event|client]",
        options: [
            OptionSpec("db", value: "PATH|URL", help: "Database written by rcom send and rcom track: an SQLite path or postgres:// URL (else RCOM_DATABASE_URL)", default: SendSetup.defaultDatabase, env: "RCOM_DB"),
            OptionSpec("json", help: "Print one JSON object", env: "RCOM_JSON"),
            OptionSpec("svg", value: "FILE", help: "Write a bar chart with the intervals", env: "RCOM_STATS_SVG"),
            OptionSpec("population", value: "WHICH",
                       help: "Notifications compared: random (channels assigned at random), all, or auto (random when there are any)",
                       default: "auto", env: "RCOM_STATS_POPULATION"),
            OptionSpec("experiment", value: "NAME",
                       help: "Compare the first channels of a client-rule experiment (rcom notify: drawn at random per client and event type)",
                       env: "RCOM_STATS_EXPERIMENT"),
            OptionSpec("by", value: "channel|event|client",
                       help: "The notifications of rcom notify's events by channel, event type or client (observational: not a controlled comparison)",
                       env: "RCOM_STATS_BY"),
        ],
        discussion: """
        Engagement counts clicks on tracking links and acknowledgements, not opens (mail clients
        pre-fetch pixels); link previews (Slackbot, WhatsApp, Discordbot, ... and HEAD requests)
        are shown apart in the previews column. Tracking links exist only for messages sent with
        rcom send --track or --public-url. Channels chosen by the recipients compare the recipients; send with
        `rcom send --batch FILE -c random` to compare the channels themselves.
        The leader is tested with a two-proportion z-test, or Fisher's exact test when an expected
        count is under 5; p >= 0.05 is reported as "not yet significant".
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        let population: String, grouping: EventGrouping?
        do throws(UsageError) {
            population = try args.choice("population", among: ["auto", "random", "all"]) ?? "auto"
            grouping = try args.choice("by", among: EventGrouping.allCases.map(\.rawValue)).flatMap(EventGrouping.init)
        } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let location: StoreLocation
        switch SendSetup.location(args) {
        case .failure(let e):
            Terminal.error(e.message)
            return ExitCode.usage
        case .success(let l): location = l
        }
        if let svg = args.string("svg") {
            // Checked before the report is printed, so a typo costs nothing but this message.
            do throws(DataPathError) { try DataPath.prepareParent(of: svg, option: "--svg", defaultDirectory: nil) } catch {
                Terminal.error(error.message)
                return ExitCode.failure
            }
        }
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            Terminal.error("no database at \(path): nothing sent yet (rcom send --db \(path) ...)")
            return ExitCode.failure
        }
        let report: EngagementReport
        do throws(StoreError) {
            let store = try openNotificationStore(location)
            var counts = try store.channelCounts(assignment: population == "all" ? nil : .random)
            var compared = "channels assigned at random only"
            if let grouping {
                guard let clients = store as? ClientStore else { throw StoreError.store("this store keeps no events", context: "rcom stats") }
                counts = try clients.eventCounts(by: grouping)
                compared = "notifications of rcom notify's events by \(grouping.rawValue) (observational: clients chose their channels)"
            } else if let name = args.string("experiment") {
                guard let clients = store as? ClientStore else { throw StoreError.store("this store keeps no experiments", context: "rcom stats") }
                counts = try clients.experimentCounts(name)
                compared = "experiment \(name): first channels drawn at random per client and event type"
                if counts.isEmpty { compared += " (no events in it yet: rcom notify, a rule with \"experiment\": \"\(name)\")" }
            } else if population == "all" || (population == "auto" && counts.isEmpty) {
                counts = try store.channelCounts(assignment: nil)
                compared = "all notifications (channels chosen by recipients: this compares recipients as much as channels)"
            }
            var r = EngagementReport(counts: counts, population: compared)
            if let grouping, grouping != .channel { r.label = grouping.rawValue }
            report = r
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        print(args.flag("json") ? report.json : report.text)
        if let svg = args.string("svg") {
            do { try EngagementChart.svg(report).write(toFile: svg, atomically: true, encoding: .utf8) } catch {
                Terminal.error("cannot write --svg \(svg): \(DataPath.reason(error))")
                return ExitCode.failure
            }
        }
        return ExitCode.success
    }
}
