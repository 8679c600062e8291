import RcomCore

/// Writes sample bounces in a provider's export format, for `rcom blacklist generate --format`
/// and the benchmark: the same rows as bounces.csv, each as the provider documents it (see
/// `JSONBounceFormat`). Every bounce is written as permanent (a suppression list's entry, a
/// Permanent notification, a HardBounce), so that each format carries the same suppressions as
/// the CSV; the generic CSV's reason text is split the way each provider splits it (SMTP code,
/// enhanced status, text). Streams: memory is the writer's buffer.
final class ProviderExportWriter {
    let format: BounceFormatName
    private let out: BufferedFileWriter
    private var count = 0
    /// SES pages hold at most this many records (the API's PageSize maximum), one page a document.
    static let sesPageSize = 1_000

    /// The file name the generator gives this format's export.
    static func fileName(_ format: BounceFormatName) -> String {
        switch format {
        case .sesSNS: return "bounces.ses-sns.jsonl"
        case .csv: return "bounces.csv"
        case .list: return "bounces.txt"
        case .sendgrid, .mailgun, .ses, .postmark: return "bounces.\(format.rawValue).json"
        }
    }

    init(format: BounceFormatName, path: String) throws(ImportError) {
        precondition(format != .csv && format != .list, "the generic CSV and list have writers of their own")
        self.format = format
        out = try BufferedFileWriter(path: path)
        switch format {
        case .sendgrid: out.write("[")
        case .mailgun: out.write("{\"items\": [")
        case .postmark: out.write("{\"Bounces\": [")
        default: break
        }
    }

    func write(address: String, reason: String, at: Int) {
        let words = reason.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        let code = words.first.map(String.init) ?? "550"
        let enhanced = words.count > 1 ? String(words[1]) : code
        let email = Self.quoted(address)
        let separator = count == 0 ? "\n" : ",\n"
        switch format {
        case .sendgrid:
            out.write(separator + "{\"created\":\(at),\"email\":\(email),\"reason\":\(Self.quoted(reason)),\"status\":\(Self.quoted(enhanced))}")
        case .mailgun:
            let error = words.count > 1 ? String(reason.dropFirst(code.count + 1)) : ""
            out.write(separator + "{\"address\":\(email),\"code\":\(Self.quoted(code)),\"error\":\(Self.quoted(error))," +
                      "\"created_at\":\(Self.quoted(Self.rfc2822(at)))}")
        case .ses:
            if count % Self.sesPageSize == 0 {
                if count > 0 { out.write("],\"NextToken\":\"page\(count / Self.sesPageSize)\"}\n") }
                out.write("{\"SuppressedDestinationSummaries\":[")
            } else {
                out.write(",")
            }
            out.write("\n{\"EmailAddress\":\(email),\"Reason\":\"BOUNCE\",\"LastUpdateTime\":\(at)}")
        case .sesSNS:
            out.write("{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"General\"," +
                      "\"bouncedRecipients\":[{\"emailAddress\":\(email),\"action\":\"failed\",\"status\":\(Self.quoted(enhanced))," +
                      "\"diagnosticCode\":\(Self.quoted("smtp; " + reason))}],\"timestamp\":\"\(UTCTime.iso8601(epochSeconds: at).dropLast()).000Z\"," +
                      "\"feedbackId\":\"sample-\(count)\"},\"mail\":{\"timestamp\":\"\(UTCTime.iso8601(epochSeconds: at))\"," +
                      "\"source\":\"news@example.com\",\"messageId\":\"sample-\(count)\",\"destination\":[\(email)]}}\n")
        case .postmark:
            out.write(separator + "{\"RecordType\":\"Bounce\",\"ID\":\(count + 1),\"Type\":\"HardBounce\",\"TypeCode\":1," +
                      "\"Name\":\"Hard bounce\",\"MessageStream\":\"outbound\",\"Description\":\"The server was unable to deliver your message.\"," +
                      "\"Details\":\(Self.quoted("smtp;" + reason)),\"Email\":\(email),\"From\":\"news@example.com\"," +
                      "\"BouncedAt\":\(Self.quoted(UTCTime.iso8601(epochSeconds: at))),\"DumpAvailable\":false,\"Inactive\":true,\"CanActivate\":true}")
        case .csv, .list:
            break
        }
        count += 1
    }

    func finish() throws(ImportError) {
        switch format {
        case .sendgrid: out.write("\n]\n")
        case .mailgun: out.write("\n],\"paging\":{\"first\":\"https://api.mailgun.net/v3/example.com/bounces?limit=\(count)\"}}\n")
        case .ses: out.write(count == 0 ? "{\"SuppressedDestinationSummaries\":[]}\n" : "]}\n")
        case .postmark: out.write("\n],\"TotalCount\":\(count)}\n")
        default: break
        }
        try out.finish()
    }

    /// A JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1f}": out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Fri, 21 Oct 2011 11:02:55 UTC`, as Mailgun writes `created_at`.
    static func rfc2822(_ t: Int) -> String {
        let days = CivilCalendar.floorDiv(Int64(t), 86_400)
        let date = CivilCalendar.date(fromDays: days)
        let iso = UTCTime.iso8601(epochSeconds: t)
        let clock = iso.dropFirst(11).prefix(8)
        return "\(weekdays[Int(((days % 7) + 7) % 7)]), \(CivilCalendar.pad(date.day, 2)) \(months[Int(date.month) - 1]) \(date.year) \(clock) UTC"
    }
}
