import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom send`: one notification (or a CSV batch) through its channel's adapter.
public enum SendCommand: Command {
    public static let exitSuppressed: Int32 = 3
    /// Not delivered yet, left pending for `--retry-pending` (sendmail's EX_TEMPFAIL).
    public static let exitPending: Int32 = 75

    public static let spec = CommandSpec(
        name: "send",
        summary: "Send a notification by email, SMS, Slack or webhook (simulated providers unless configured)",
        usage: "send -t TARGET -m MESSAGE -c email|sms|slack|webhook [--dry-run] [--json]\n       rcom send --batch FILE [-c random]\n       rcom send --retry-pending [--all-pending]",
        options: [
            OptionSpec("target", short: "t", value: "TARGET",
                       help: "Recipient: address, phone number, WORKSPACE/CHANNEL or URL (note: Apprise and ntfy use -t for a title; here it is the target, as in the seed)",
                       env: "RCOM_TARGET"),
            OptionSpec("message", short: "m", value: "TEXT", help: "The message", env: "RCOM_MESSAGE"),
            OptionSpec("channel", short: "c", value: "NAME",
                       help: "Channel: \(ChannelRegistry.standard.map(\.name).joined(separator: ", ")) (random: with --batch only)",
                       env: "RCOM_CHANNEL"),
            OptionSpec("batch", value: "FILE", help: "Send every line of a CSV file channel,target,message", env: "RCOM_BATCH"),
            OptionSpec("retry-pending", help: "Retry the email notifications left pending by temporary failures whose next try is due",
                       env: "RCOM_RETRY_PENDING"),
            OptionSpec("all-pending", help: "With --retry-pending: every pending one, due or not (the relay is fixed: flush)",
                       env: "RCOM_ALL_PENDING"),
            OptionSpec("db", value: "PATH|URL", help: "Database shared with rcom blacklist: an SQLite path or postgres://user[:password]@host[:port]/dbname (else RCOM_DATABASE_URL)", default: SendSetup.defaultDatabase, env: "RCOM_DB"),
            OptionSpec("dry-run", help: "Show what would be sent (secrets masked); send and record nothing", env: "RCOM_DRY_RUN"),
            OptionSpec("json", help: "Print the result as one JSON object", env: "RCOM_JSON"),
            OptionSpec("verbose", short: "v", help: "Show each attempt and the wire requests", env: "RCOM_VERBOSE"),
            OptionSpec("public-url", value: "URL", help: "Add a tracking link <URL>/e/ID to each message (URL: where rcom track is reachable); no link without it or --track",
                       env: "RCOM_PUBLIC_URL"),
            OptionSpec("track", help: "Add a tracking link at the default base \(SendSetup.defaultPublicURL) (rcom track's default address)",
                       env: "RCOM_SEND_TRACK"),
            OptionSpec("country-code", value: "+CC", help: "Country code for national phone numbers", default: "+1",
                       env: "RCOM_SMS_COUNTRY_CODE"),
            OptionSpec("attempts", value: "N", help: "Attempts per notification", default: "4", env: "RCOM_ATTEMPTS"),
            OptionSpec("timeout", value: "DURATION", help: "Per attempt", default: "10s", env: "RCOM_TIMEOUT"),
            OptionSpec("backoff", value: "DURATION", help: "First retry delay (doubles, with jitter)", default: "250ms", env: "RCOM_BACKOFF"),
            OptionSpec("concurrency", value: "N", help: "Connections at once", default: "64", env: "RCOM_CONCURRENCY"),
            OptionSpec("seed", value: "N", help: "Seed ids, jitter and random assignment (reproducible runs)", env: "RCOM_SEED"),
            OptionSpec("sim-faults", value: "SPEC", help: "Faults for the in-process simulator (see rcom providers --help)",
                       env: "RCOM_SIM_FAULTS"),
        ],
        discussion: """
        Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT (an OpenTelemetry collector's http://host:4318) a
        trace per run goes there: the run, each notification, each attempt (with the provider's
        status) and each store commit, flushed at exit within 3 s (OTEL_* variables: design/tracing.md).

        Exit codes: 0 delivered, 1 delivery failed after retries (or a store error), 2 usage error,
        invalid target or a provider's missing credentials, 3 suppressed (on the rcom blacklist list;
        nothing is sent), 75 pending (an email relay kept answering 4yz: retried by --retry-pending
        5, 15, then every 60 minutes, failed once 24 h old). With --batch: 1 if any failed, else 2 if
        any line was invalid, else 75 if any is pending, else 0. A relay's 5.1.1-style "no such
        mailbox" puts the address on the suppression list.

        Email: RCOM_SMTP_URL is smtp://host[:25] (STARTTLS when offered), smtp+starttls://host[:587]
        (STARTTLS required) or smtps://host[:465] (implicit TLS); user:password@ in it (percent-encoded)
        or RCOM_SMTP_USER and RCOM_SMTP_PASSWORD for AUTH, which is only ever sent over TLS.
        Certificates are verified (host name included) against the system store, SSL_CERT_FILE, or
        RCOM_CA_FILE. RCOM_MAIL_FROM may carry a display name: "Acme Alerts <noreply@acme.test>".

        Providers come from the environment: RCOM_SMTP_URL, RCOM_SMS_URL with
        RCOM_SMS_ACCOUNT_SID, RCOM_SMS_AUTH_TOKEN and RCOM_SMS_FROM (required with RCOM_SMS_URL;
        a Messaging Service SID MG... as the sender is sent as MessagingServiceSid),
        RCOM_SLACK_WEBHOOK_URL (the app webhook's URL: every target goes to its channel; or a
        template containing {target}), RCOM_WEBHOOK_URL, RCOM_MAIL_FROM. A channel with no endpoint
        is sent to an in-process provider simulator, and the request it received is shown on
        stderr; otherwise stderr says where it went. Credentials (the Slack webhook URL's path,
        the SMS auth token, the SMTP password) are never shown.

        Tracking links are off unless --public-url or --track is given; stderr says when one is
        added. An SMS body over one part (160 GSM-7 / 70 UCS-2 characters) is sent concatenated,
        with a warning saying how many parts.

        Batch files: one row per line, channel,target,message, RFC 4180 quoting within the line
        (a quoted field holds commas and doubled quotes, not line breaks); a bad row is reported
        with its line number and the next line is read as the next row. An optional header row
        channel,target,message is skipped.

        Examples:
          rcom send -t someone@example.com -m "your account was just approved!" -c email
          rcom send -t 505-9045845 -m "someone is waiting for you in the lobby" -c sms
          rcom send -t c3245/databases -m "your database is over 80%" -c slack
          rcom send --batch people.csv -c random
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        run(args, environment: ProcessInfo.processInfo.environment)
    }

    public static func run(_ args: ParsedArguments, environment: [String: String]) -> Int32 {
        let setup: SendSetup
        do { setup = try SendSetup(args, environment: environment) } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        let form = args.flag("retry-pending") ? "retry-pending" : args.string("batch") != nil ? "batch" : "one"
        return setup.traced("rcom send", attributes: [SpanAttribute("rcom.send.form", .string(form))]) { run(args, setup: $0) }
    }

    private static func run(_ args: ParsedArguments, setup: SendSetup) -> Int32 {
        if args.flag("retry-pending") { return SendRetryPending.run(args, setup: setup) }
        if args.flag("all-pending") {
            Terminal.error("--all-pending goes with --retry-pending")
            return ExitCode.usage
        }
        if let batch = args.string("batch") {
            guard args.string("target") == nil, args.string("message") == nil else {
                Terminal.error("--batch takes targets and messages from the file; drop -t and -m")
                return ExitCode.usage
            }
            return SendBatch.run(args, setup: setup, path: batch)
        }
        return SendOne.run(args, setup: setup)
    }
}
