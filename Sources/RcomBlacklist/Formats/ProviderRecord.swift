import RcomCore

/// What one record of a provider's JSON says, read with the strict JSON reader: the addresses
/// to suppress with their reason and time, and how many bounces it held that do not suppress
/// (soft or transient bounces, deliveries), which are counted and skipped.
///
/// Reasons are written the way the generic CSV's are stored (`BatchPreparer.storeReason`), so a
/// provider's file and the same bounces as a generic CSV give the same rows: the SMTP status
/// before the provider's text ("550 5.1.1 …" is then stored as "hard bounce: 550 5.1.1 …"),
/// "hard bounce: …" where the provider says permanent, "complaint: …" for complaints.
struct ProviderRecord {
    struct Bounce: Equatable {
        var email: String
        var reason: String
        /// Unix seconds; nil: the import's time.
        var at: Int64?
    }

    var bounces: [Bounce] = []
    var skipped = SkippedRecords()

    /// The record's content, or why it cannot be read (a sentence; the caller adds where).
    static func read(_ format: JSONBounceFormat, record: [UInt8]) -> Result<ProviderRecord, ReadProblem> {
        let object: JSONObject
        switch JSONObject.parse(record) {
        case .success(let o): object = o
        case .failure(let e): return .problem("invalid JSON: \(e.message) at byte \(e.offset) of the record")
        }
        let r = Reader(object: object)
        var out = ProviderRecord()
        switch format {
        case .sendgrid:
            guard let email = r.text("email") else { return .problem("no \"email\" string") }
            out.bounces = [Bounce(email: email, reason: joined(status: r.text("status"), text: r.text("reason")),
                                  at: r.time("created"))]
        case .mailgun:
            guard let email = r.text("address") else { return .problem("no \"address\" string") }
            out.bounces = [Bounce(email: email, reason: joined(status: r.text("code"), text: r.text("error")),
                                  at: r.time("created_at"))]
        case .ses:
            guard let email = r.text("EmailAddress") else { return .problem("no \"EmailAddress\" string") }
            let reason: String
            switch r.text("Reason") {
            case "BOUNCE": reason = "hard bounce"
            case "COMPLAINT": reason = "complaint"
            case let other: reason = other ?? ""
            }
            out.bounces = [Bounce(email: email, reason: reason, at: r.time("LastUpdateTime"))]
        case .sesSNS:
            return sesNotification(r)
        case .postmark:
            guard let email = r.text("Email") else { return .problem("no \"Email\" string") }
            let details = r.text("Details").flatMap { $0.isEmpty ? nil : $0 } ?? r.text("Name") ?? ""
            switch r.text("Type") {
            case "HardBounce", "BadEmailAddress":
                out.bounces = [Bounce(email: email, reason: "hard bounce: " + details, at: r.time("BouncedAt"))]
            case "SpamComplaint":
                out.bounces = [Bounce(email: email, reason: "complaint: " + details, at: r.time("BouncedAt"))]
            default:
                out.skipped.notPermanent = 1  // soft bounces, transient failures, auto-responders, …
            }
        }
        return .success(out)
    }

    /// An SES notification: a permanent bounce suppresses each of its recipients, a complaint
    /// each complainant; a transient or undetermined bounce, and any other notification
    /// (Delivery, Send, …), are skipped. `enveloped`: the notification came as the `Message` of
    /// an SNS envelope (one is unwrapped, not more).
    private static func sesNotification(_ r: Reader, enveloped: Bool = false) -> Result<ProviderRecord, ReadProblem> {
        var out = ProviderRecord()
        let type = r.text("notificationType") ?? r.text("eventType")
        if type == nil, !enveloped, let envelopeType = r.text("Type") { return snsEnvelope(r, type: envelopeType) }
        switch type {
        case "Bounce":
            guard let bounce = r.object("bounce") else { return .problem("a Bounce without a \"bounce\" object") }
            let recipients = bounce.objects("bouncedRecipients")
            guard bounce.text("bounceType") == "Permanent" else {
                out.skipped.notPermanent = max(recipients.count, 1)
                return .success(out)
            }
            let at = bounce.time("timestamp")
            for recipient in recipients {
                guard let email = recipient.text("emailAddress") else { return .problem("a bounced recipient without \"emailAddress\"") }
                var detail = joined(status: recipient.text("status"), text: recipient.text("diagnosticCode"))
                if detail.isEmpty { detail = bounce.text("bounceSubType") ?? "" }
                out.bounces.append(Bounce(email: email, reason: "hard bounce: " + detail, at: at))
            }
        case "Complaint":
            guard let complaint = r.object("complaint") else { return .problem("a Complaint without a \"complaint\" object") }
            let kind = complaint.text("complaintFeedbackType").map { ": " + $0 } ?? ""
            let at = complaint.time("timestamp")
            for recipient in complaint.objects("complainedRecipients") {
                guard let email = recipient.text("emailAddress") else { return .problem("a complained recipient without \"emailAddress\"") }
                out.bounces.append(Bounce(email: email, reason: "complaint" + kind, at: at))
            }
        case .some:
            out.skipped.notBounce = 1
        case nil:
            if enveloped {
                out.skipped.notBounce = 1  // another publisher's message on the topic
                return .success(out)
            }
            return .problem("no \"notificationType\" or \"eventType\"")
        }
        return .success(out)
    }

    /// An SNS message as SNS delivers it to HTTP(S) and SQS subscribers
    /// (<https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html>): `Type`
    /// Notification with the SES notification as a JSON string in `Message`. Other types
    /// (SubscriptionConfirmation, UnsubscribeConfirmation), and a `Message` that is not an SES
    /// notification (not a JSON object, or one without `notificationType`), are skipped as no
    /// bounce or complaint; a Notification without a `Message` string is malformed.
    private static func snsEnvelope(_ r: Reader, type: String) -> Result<ProviderRecord, ReadProblem> {
        var skipped = ProviderRecord()
        skipped.skipped.notBounce = 1
        guard type == "Notification" else { return .success(skipped) }
        guard let m = r.object.member("Message"), m.kind == .string, let message = r.object.string(m) else {
            return .problem("an SNS Notification without a \"Message\" string")
        }
        guard case .success(let inner) = JSONObject.parse(Array(message.utf8)) else { return .success(skipped) }
        return sesNotification(Reader(object: inner), enveloped: true)
    }

    /// "550 5.1.1 User unknown" from a status and a text that may or may not repeat it: the
    /// text alone when it starts with a digit (SendGrid's reasons do), else "status text".
    static func joined(status: String?, text: String?) -> String {
        let s = (status ?? "").trimmingBlanks(), t = (text ?? "").trimmingBlanks()
        if s.isEmpty { return t }
        if t.isEmpty { return s }
        if let f = t.utf8.first, f >= 0x30 && f <= 0x39 { return t }
        return s + " " + t
    }

    /// Members of one object, read leniently in type where providers differ (a code as a number
    /// or a string), strictly in syntax (the object was validated whole).
    struct Reader {
        let object: JSONObject

        /// A string member, or a number's text; nil when absent, null or another kind.
        func text(_ name: String) -> String? {
            guard let m = object.member(name) else { return nil }
            switch m.kind {
            case .string: return object.string(m)
            case .number: return String(decoding: object.bytes[m.value], as: UTF8.self)
            default: return nil
            }
        }

        func time(_ name: String) -> Int64? {
            guard let m = object.member(name) else { return nil }
            switch m.kind {
            case .number: return ProviderTime.seconds(jsonNumber: object.bytes[m.value])
            case .string: return object.string(m).flatMap { ProviderTime.seconds(Array($0.utf8)) }
            default: return nil
            }
        }

        func object(_ name: String) -> Reader? {
            guard let m = object.member(name), m.kind == .object,
                  case .success(let o) = JSONObject.parse(Array(object.bytes[m.value])) else { return nil }
            return Reader(object: o)
        }

        /// The objects of an array member (elements that are not objects are left out).
        func objects(_ name: String) -> [Reader] {
            guard let m = object.member(name), m.kind == .array else { return [] }
            let bytes = Array(object.bytes[m.value])
            var starts: [Int] = [], ranges: [Range<Int>] = []
            var scanner = JSONRecordScanner(layout: .arrayElements)
            bytes.withUnsafeBufferPointer { p in
                _ = try? scanner.scan(p) { edge in
                    switch edge {
                    case .start(let i): starts.append(i)
                    case .end(let i): if let s = starts.popLast() { ranges.append(s..<i) }
                    }
                }
            }
            return ranges.compactMap { range in
                guard case .success(let o) = JSONObject.parse(Array(bytes[range])) else { return nil }
                return Reader(object: o)
            }
        }
    }
}
