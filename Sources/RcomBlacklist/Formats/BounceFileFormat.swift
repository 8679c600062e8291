import RcomCore

/// The names `--format` takes, and the report prints: one per provider export, plus the two
/// generic shapes.
public enum BounceFormatName: String, CaseIterable, Sendable, Codable {
    case sendgrid, mailgun, ses, sesSNS = "ses-sns", postmark, csv, list
}

/// How the bounces of a file are laid out, decided from its content (`BounceFormatDetector`).
public enum BounceFileFormat: Sendable, Equatable {
    /// A header naming the columns, then one RFC 4180 record per line (quoted fields allowed,
    /// embedded newlines not): the generic export (`email`, optionally `reason`, `bounced_at`),
    /// SendGrid's (`created,email,reason,status`) or Mailgun's (`address,code,error,created_at`).
    case csv(CSVColumns)
    /// One address per line, no header.
    case addressList
    /// A provider's JSON: records found by `JSONRecordScanner`, one object each.
    case json(JSONBounceFormat)

    public struct CSVColumns: Sendable, Equatable {
        public var provider: BounceFormatName
        public var email: Int
        /// The bounce's text (`reason`, Mailgun's `error`).
        public var reason: Int?
        /// An SMTP code put before the text when the text does not start with one (SendGrid's
        /// `status`, Mailgun's `code`).
        public var status: Int?
        public var time: Int?
        /// How `time` is written: the generic `bounced_at` is strictly `YYYY-MM-DDTHH:MM:SSZ`;
        /// the providers' columns take what `ProviderTime` reads (Unix seconds, RFC 2822, ISO 8601).
        public var strictTime: Bool

        public init(provider: BounceFormatName, email: Int, reason: Int? = nil, status: Int? = nil, time: Int? = nil,
                    strictTime: Bool) {
            self.provider = provider
            self.email = email
            self.reason = reason
            self.status = status
            self.time = time
            self.strictTime = strictTime
        }

        /// The columns of interest, highest last: a line is parsed up to it.
        var lastColumn: Int { max(email, reason ?? 0, status ?? 0, time ?? 0) }
    }

    public var name: BounceFormatName {
        switch self {
        case .csv(let c): return c.provider
        case .addressList: return .list
        case .json(let j): return j.name
        }
    }

    /// What the report says was read: "sendgrid (JSON)", "mailgun (CSV)", "csv", "list".
    public var label: String {
        switch self {
        case .csv(let c): return c.provider == .csv ? "csv" : "\(c.provider.rawValue) (CSV)"
        case .addressList: return "list"
        case .json(let j): return "\(j.name.rawValue) (JSON)"
        }
    }

    /// The header's columns as the generic CSV has them, or a plain list: what the importer did
    /// before providers' formats were read (kept for tests of the CSV parser).
    public static func detect(firstLine: [UInt8]) -> BounceFileFormat {
        BounceFormatDetector.csvColumns(header: firstLine).map { .csv($0) } ?? .addressList
    }

    public var hasHeader: Bool {
        if case .csv = self { return true }
        return false
    }

    public var isJSON: Bool {
        if case .json = self { return true }
        return false
    }
}

/// The JSON exports read, each with where its records sit (`JSONRecordScanner.Layout`).
public enum JSONBounceFormat: Sendable, Equatable {
    /// `GET /v3/suppression/bounces`: `[{"created", "email", "reason", "status"}]`.
    case sendgrid
    /// `GET /v3/{domain}/bounces`: `{"items": [{"address", "code", "error", "created_at"}], "paging"}`.
    case mailgun
    /// SES v2 `ListSuppressedDestinations`, one page or several concatenated:
    /// `{"SuppressedDestinationSummaries": [{"EmailAddress", "Reason", "LastUpdateTime"}], "NextToken"}`.
    case ses
    /// SES notifications through SNS, one JSON document per line (`notificationType` or, from
    /// event publishing, `eventType`: Bounce, Complaint, Delivery).
    case sesSNS
    /// `GET /bounces`: `{"TotalCount", "Bounces": [{"Email", "Type", "BouncedAt", "Inactive", …}]}`.
    case postmark

    public var name: BounceFormatName {
        switch self {
        case .sendgrid: return .sendgrid
        case .mailgun: return .mailgun
        case .ses: return .ses
        case .sesSNS: return .sesSNS
        case .postmark: return .postmark
        }
    }

    public var layout: JSONRecordScanner.Layout {
        switch self {
        case .sendgrid: return .arrayElements
        case .mailgun: return .memberElements("items")
        case .ses: return .memberElements("SuppressedDestinationSummaries")
        case .sesSNS: return .topLevelObjects
        case .postmark: return .memberElements("Bounces")
        }
    }
}

extension String {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
