import RcomCore

/// What one record of a provider's JSON says, read with the strict JSON reader (`JSONTape`,
/// which validates as `JSONObject` does): the addresses to suppress with their reason and time,
/// and how many bounces it held that do not suppress (soft or transient bounces, deliveries),
/// which are counted and skipped.
///
/// Reasons are written the way the generic CSV's are stored (`BatchPreparer.storeReason`), so a
/// provider's file and the same bounces as a generic CSV give the same rows: the SMTP status
/// before the provider's text ("550 5.1.1 …" is then stored as "hard bounce: 550 5.1.1 …"),
/// "hard bounce: …" where the provider says permanent, "complaint: …" for complaints.
///
/// One value serves a whole batch: it keeps its buffers (the tape, the bytes of what it found)
/// from one record to the next, so that a record costs one validating pass over its bytes and
/// copies of the few members it reads, and allocates nothing once the buffers have grown.
/// Bounds: each buffer holds at most one record's worth (records are at most `lineBytesMax`).
struct ProviderRecord {
    struct Bounce: Equatable {
        /// The address and the reason, in `bytes`.
        var email: Range<Int>
        var reason: Range<Int>
        /// Unix seconds; nil: the import's time.
        var at: Int64?
    }

    private(set) var bounces: [Bounce] = []
    private(set) var skipped = SkippedRecords()
    /// The text of `bounces` (decoded members, composed reasons).
    private(set) var bytes: [UInt8] = []
    private var tape = JSONTape()
    /// An SNS envelope's `Message`, decoded, and its tape.
    private var message: [UInt8] = []
    private var inner = JSONTape()

    /// A record's bytes with the tape that describes them.
    private struct View {
        let tape: JSONTape
        let p: UnsafeBufferPointer<UInt8>
        func member(_ name: StaticString, of object: Int) -> JSONTape.Entry? {
            tape.member(name, of: object, in: p).map { tape.entries[$0] }
        }
    }

    /// Reads one record (replacing what the last one left); nil, or why it cannot be read (a
    /// sentence; the caller adds where).
    mutating func read(_ format: JSONBounceFormat, record: UnsafeBufferPointer<UInt8>) -> ReadProblem? {
        bounces.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        skipped = SkippedRecords()
        if let e = tape.parse(record) { return ReadProblem(message: "invalid JSON: \(e.message) at byte \(e.offset) of the record") }
        let r = View(tape: tape, p: record)
        switch format {
        case .sendgrid:
            guard let email = text(r, "email") else { return ReadProblem(message: "no \"email\" string") }
            bounces.append(Bounce(email: email, reason: joined(status: text(r, "status"), text: text(r, "reason")),
                                  at: time(r, "created")))
        case .mailgun:
            guard let email = text(r, "address") else { return ReadProblem(message: "no \"address\" string") }
            bounces.append(Bounce(email: email, reason: joined(status: text(r, "code"), text: text(r, "error")),
                                  at: time(r, "created_at")))
        case .ses:
            guard let email = text(r, "EmailAddress") else { return ReadProblem(message: "no \"EmailAddress\" string") }
            let given = text(r, "Reason")
            let reason: Range<Int>
            if equals(given, "BOUNCE") { reason = constant("hard bounce") }
            else if equals(given, "COMPLAINT") { reason = constant("complaint") }
            else { reason = given ?? bytes.count..<bytes.count }
            bounces.append(Bounce(email: email, reason: reason, at: time(r, "LastUpdateTime")))
        case .sesSNS:
            return sesNotification(r, enveloped: false)
        case .postmark:
            guard let email = text(r, "Email") else { return ReadProblem(message: "no \"Email\" string") }
            var details = text(r, "Details")
            if details?.isEmpty ?? true { details = text(r, "Name") }
            let type = text(r, "Type")
            let kind: StaticString
            if equals(type, "HardBounce") || equals(type, "BadEmailAddress") { kind = "hard bounce: " }
            else if equals(type, "SpamComplaint") { kind = "complaint: " }
            else {
                skipped.notPermanent = 1  // soft bounces, transient failures, auto-responders, …
                return nil
            }
            bounces.append(Bounce(email: email, reason: concatenated(kind, details), at: time(r, "BouncedAt")))
        }
        return nil
    }

    /// An SES notification: a permanent bounce suppresses each of its recipients, a complaint
    /// each complainant; a transient or undetermined bounce, and any other notification
    /// (Delivery, Send, …), are skipped. `enveloped`: the notification came as the `Message` of
    /// an SNS envelope (one is unwrapped, not more).
    private mutating func sesNotification(_ r: View, enveloped: Bool) -> ReadProblem? {
        let type = text(r, "notificationType") ?? text(r, "eventType")
        if type == nil, !enveloped, let envelopeType = text(r, "Type") { return snsEnvelope(r, type: envelopeType) }
        if equals(type, "Bounce") {
            guard let bounce = object(r, "bounce", of: 0) else { return ReadProblem(message: "a Bounce without a \"bounce\" object") }
            let recipients = r.tape.member("bouncedRecipients", of: bounce, in: r.p)
            // (a local first: `equals` would read `bytes` as they were before `text` appends)
            let bounceType = text(r, "bounceType", of: bounce)
            guard equals(bounceType, "Permanent") else {
                skipped.notPermanent = max(objects(r, recipients).count, 1)
                return nil
            }
            let at = time(r, "timestamp", of: bounce)
            for recipient in objects(r, recipients) {
                guard let email = text(r, "emailAddress", of: recipient) else {
                    return ReadProblem(message: "a bounced recipient without \"emailAddress\"")
                }
                var detail = joined(status: text(r, "status", of: recipient), text: text(r, "diagnosticCode", of: recipient))
                if detail.isEmpty { detail = text(r, "bounceSubType", of: bounce) ?? detail }
                bounces.append(Bounce(email: email, reason: concatenated("hard bounce: ", detail), at: at))
            }
        } else if equals(type, "Complaint") {
            guard let complaint = object(r, "complaint", of: 0) else {
                return ReadProblem(message: "a Complaint without a \"complaint\" object")
            }
            let kind = text(r, "complaintFeedbackType", of: complaint)
            let at = time(r, "timestamp", of: complaint)
            for recipient in objects(r, r.tape.member("complainedRecipients", of: complaint, in: r.p)) {
                guard let email = text(r, "emailAddress", of: recipient) else {
                    return ReadProblem(message: "a complained recipient without \"emailAddress\"")
                }
                bounces.append(Bounce(email: email, reason: concatenated(kind == nil ? "complaint" : "complaint: ", kind), at: at))
            }
        } else if type != nil {
            skipped.notBounce = 1
        } else if enveloped {
            skipped.notBounce = 1  // another publisher's message on the topic
        } else {
            return ReadProblem(message: "no \"notificationType\" or \"eventType\"")
        }
        return nil
    }

    /// An SNS message as SNS delivers it to HTTP(S) and SQS subscribers
    /// (<https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html>): `Type`
    /// Notification with the SES notification as a JSON string in `Message`. Other types
    /// (SubscriptionConfirmation, UnsubscribeConfirmation), and a `Message` that is not an SES
    /// notification (not a JSON object, or one without `notificationType`), are skipped as no
    /// bounce or complaint; a Notification without a `Message` string is malformed.
    private mutating func snsEnvelope(_ r: View, type: Range<Int>) -> ReadProblem? {
        guard equals(type, "Notification") else {
            skipped.notBounce = 1
            return nil
        }
        guard let m = r.member("Message", of: 0), m.kind == .string else {
            return ReadProblem(message: "an SNS Notification without a \"Message\" string")
        }
        message.removeAll(keepingCapacity: true)
        JSONTape.appendString(m, r.p, to: &message)
        let text = message
        return text.withUnsafeBufferPointer { p in
            guard inner.parse(p) == nil else {
                skipped.notBounce = 1
                return nil
            }
            return sesNotification(View(tape: inner, p: p), enveloped: true)
        }
    }

    /// "550 5.1.1 User unknown" from a status and a text that may or may not repeat it: the
    /// text alone when it starts with a digit (SendGrid's reasons do), else "status text".
    /// Both trimmed of blanks.
    private mutating func joined(status: Range<Int>?, text: Range<Int>?) -> Range<Int> {
        let s = trimmed(status), t = trimmed(text)
        if s.isEmpty { return t }
        if t.isEmpty { return s }
        if bytes[t.lowerBound] >= 0x30 && bytes[t.lowerBound] <= 0x39 { return t }
        let start = bytes.count
        appendCopy(s)
        bytes.append(0x20)
        appendCopy(t)
        return start..<bytes.count
    }

    private func trimmed(_ range: Range<Int>?) -> Range<Int> {
        guard var r = range else { return bytes.count..<bytes.count }
        func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d }
        while let f = r.first, blank(bytes[f]) { r = (f + 1)..<r.upperBound }
        while let l = r.last, blank(bytes[l]) { r = r.lowerBound..<l }
        return r
    }

    /// `prefix` then `text` (when there is one), as a new range of `bytes`.
    private mutating func concatenated(_ prefix: StaticString, _ text: Range<Int>?) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        if let text { appendCopy(text) }
        return start..<bytes.count
    }

    private mutating func constant(_ text: StaticString) -> Range<Int> { concatenated(text, nil) }

    /// Copies bytes already in `bytes` to its end, element by element (a slice of itself would
    /// make the append copy the whole array).
    private mutating func appendCopy(_ range: Range<Int>) {
        bytes.reserveCapacity(bytes.count + range.count)
        for k in range { bytes.append(bytes[k]) }
    }

    private func equals(_ range: Range<Int>?, _ word: StaticString) -> Bool {
        guard let range, range.count == word.utf8CodeUnitCount else { return false }
        return bytes[range].elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    /// A string member (decoded) or a number's text, copied to `bytes`; nil when absent, null or
    /// another kind. Read leniently in type where providers differ (a code as a number or a
    /// string), strictly in syntax (the record was validated whole).
    private mutating func text(_ r: View, _ name: StaticString, of object: Int = 0) -> Range<Int>? {
        guard let e = r.member(name, of: object) else { return nil }
        let start = bytes.count
        switch e.kind {
        case .string: JSONTape.appendString(e, r.p, to: &bytes)
        case .number: bytes.append(contentsOf: r.p[e.value])
        default: return nil
        }
        return start..<bytes.count
    }

    private mutating func time(_ r: View, _ name: StaticString, of object: Int = 0) -> Int64? {
        guard let e = r.member(name, of: object) else { return nil }
        switch e.kind {
        case .number: return ProviderTime.seconds(jsonNumber: r.p[e.value])
        case .string:
            guard e.valueEscaped else { return ProviderTime.seconds(r.p[(e.value.lowerBound + 1)..<(e.value.upperBound - 1)]) }
            let t = text(r, name, of: object)!
            return ProviderTime.seconds(bytes[t])
        default: return nil
        }
    }

    /// Object member `name`'s entry, when it is an object `JSONObject` would read (no repeated
    /// names).
    private func object(_ r: View, _ name: StaticString, of object: Int) -> Int? {
        guard let i = r.tape.member(name, of: object, in: r.p), r.tape.entries[i].kind == .object,
              !r.tape.hasRepeatedNames(i, in: r.p) else { return nil }
        return i
    }

    /// The objects of array entry `array` (elements that are not objects, or repeat a name,
    /// are left out).
    private func objects(_ r: View, _ array: Int?) -> [Int] {
        guard let array, r.tape.entries[array].kind == .array else { return [] }
        return r.tape.children(of: array).filter {
            r.tape.entries[$0].kind == .object && !r.tape.hasRepeatedNames($0, in: r.p)
        }
    }

    /// The String form, for provider CSVs (`BatchPreparer`): as `joined(status:text:)` above.
    static func joined(status: String?, text: String?) -> String {
        let s = (status ?? "").trimmingBlanks(), t = (text ?? "").trimmingBlanks()
        if s.isEmpty { return t }
        if t.isEmpty { return s }
        if let f = t.utf8.first, f >= 0x30 && f <= 0x39 { return t }
        return s + " " + t
    }
}
