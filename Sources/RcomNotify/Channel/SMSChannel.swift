import Foundation
import RcomCore
import RcomCLI

/// SMS through a Twilio-style Messages API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
/// with HTTP Basic auth and form fields `To`, `From`, `Body`; the answer is `201` with JSON
/// carrying the message `sid` and its `status`.
public struct SMSChannel: Channel {
    public static let name = "sms"
    public static let targetForm =
        "a phone number in E.164 (+15059045845) or national form (505-9045845, with RCOM_SMS_COUNTRY_CODE, default +1)"
    public static let endpointKey = "RCOM_SMS_URL"

    static let credentialKeys = ["RCOM_SMS_ACCOUNT_SID", "RCOM_SMS_AUTH_TOKEN", "RCOM_SMS_FROM"]

    let base: HTTPURL
    let accountSID: String
    let authToken: String
    let from: String
    let countryCode: String

    /// The simulator's account and sender fill in only where the simulator is the endpoint;
    /// against a configured `RCOM_SMS_URL` they are required (`missingSettings`), never defaulted.
    public init(settings: ChannelSettings) {
        let simulated = settings.value(Self.endpointKey) == nil
        base = settings.value(Self.endpointKey).flatMap { HTTPURL($0) } ?? settings.simulatorHTTP
        accountSID = settings.value("RCOM_SMS_ACCOUNT_SID") ?? (simulated ? "ACsimulated" : "")
        authToken = settings.value("RCOM_SMS_AUTH_TOKEN") ?? (simulated ? "simulated-token" : "")
        from = settings.value("RCOM_SMS_FROM") ?? (simulated ? "+15550100000" : "")
        countryCode = settings.value("RCOM_SMS_COUNTRY_CODE", default: "+1")
    }

    public static func missingSettings(_ settings: ChannelSettings) -> [String] {
        guard settings.value(endpointKey) != nil else { return [] }
        return credentialKeys.filter { settings.value($0) == nil }
    }

    public static func secrets(_ settings: ChannelSettings) -> [String] {
        [settings.value("RCOM_SMS_AUTH_TOKEN")].compactMap { $0 }
    }

    public func normalise(target: String) -> Result<String, TargetError> {
        PhoneNumber.e164(target, countryCode: countryCode)
            .mapError { TargetError("\(Self.name) target \(TerminalText.quoted(target)): \($0.message); expected \(Self.targetForm)") }
    }

    /// A Messaging Service SID (`MG` and 32 hex digits) as the sender goes as Twilio's
    /// `MessagingServiceSid`, which picks the number from the service's pool, instead of `From`.
    static func isMessagingService(_ sender: String) -> Bool {
        sender.utf8.count == 34 && sender.hasPrefix("MG") && sender.dropFirst(2).utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70)
        }
    }

    public func request(for n: Notification) -> ProviderRequest {
        let prefix = base.target.trimmingSuffix("/")
        let url = base.with(target: "\(prefix)/2010-04-01/Accounts/\(accountSID)/Messages.json")
        var h = HTTPHeaders()
        h.add("Host", url.hostHeader)
        h.add("Authorization", "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString())
        h.add("Content-Type", "application/x-www-form-urlencoded")
        h.add("Accept", "application/json")
        let sender = Self.isMessagingService(from) ? ("MessagingServiceSid", from) : ("From", from)
        let body = FormEncoding.encode([("To", n.target), sender, ("Body", n.text)])
        return .http(url, HTTPRequest(method: "POST", target: url.target, headers: h, body: Array(body.utf8)))
    }

    /// A body over one SMS is sent (the provider concatenates it) and billed per part: said.
    public func warnings(for n: Notification) -> [String] {
        let s = SMSSegments(n.text)
        guard s.count > 1 else { return [] }
        return ["the SMS body is \(s.units) \(s.encoding == .gsm7 ? "GSM-7 septets" : "UCS-2 code units"): "
                + "it goes as \(s.count) concatenated parts of at most \(s.perPart) (billed as \(s.count) messages)"]
    }

    public func result(of answer: ProviderAnswer) -> DeliveryResult {
        guard case .http(let r) = answer else { return .permanent("not an HTTP answer") }
        let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:]
        let sid = json["sid"] as? String
        if (200...299).contains(r.status) {
            // Twilio answers 201 with status "queued"; "failed"/"undelivered" there is final.
            if let status = json["status"] as? String, status == "failed" || status == "undelivered" {
                return .permanent("\(r.status) status \(status)")
            }
            guard let sid else { return .permanent("\(r.status) without a message sid: \(HTTPAnswer.text(r.body))") }
            return .delivered(providerID: sid)
        }
        let problem: String
        if let code = json["code"], let message = json["message"] as? String {
            problem = "code \(code): \(message)"
        } else {
            problem = HTTPAnswer.text(r.body)
        }
        return HTTPAnswer.classify(r, delivered: sid ?? "", problem: problem)
    }
}

/// Phone numbers to E.164: `+` then at most 15 digits, country code first.
public enum PhoneNumber {
    public static func e164(_ raw: String, countryCode: String) -> Result<String, TargetError> {
        var s = raw.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return .failure(TargetError("empty number")) }
        let separators = Set(" -.()/".unicodeScalars)
        if s.hasPrefix("00") { s = "+" + s.dropFirst(2) }
        let international = s.hasPrefix("+")
        let body = international ? s.dropFirst() : Substring(s)
        var digits = ""
        for u in body.unicodeScalars {
            if separators.contains(u) { continue }
            guard u.value >= 48 && u.value <= 57 else { return .failure(TargetError("\(TerminalText.quoted(String(u))) is not a digit")) }
            digits.unicodeScalars.append(u)
        }
        let cc = countryCode.hasPrefix("+") ? String(countryCode.dropFirst()) : countryCode
        guard !cc.isEmpty, cc.count <= 3, cc.allSatisfy(\.isNumber) else { return .failure(TargetError("country code \(TerminalText.quoted(countryCode)) is not +1 to +999")) }
        if !international {
            // NANP (+1): ten digits, or eleven starting with the trunk "1".
            if cc == "1" && digits.count == 11 && digits.hasPrefix("1") { digits.removeFirst() }
            if cc == "1" && digits.count != 10 { return .failure(TargetError("a +1 number has 10 digits, got \(digits.count)")) }
            if digits.hasPrefix("0") && cc != "1" { digits.removeFirst() }  // national trunk prefix
            digits = cc + digits
        }
        guard (8...15).contains(digits.count) else { return .failure(TargetError("E.164 numbers have 8 to 15 digits, got \(digits.count)")) }
        guard !digits.hasPrefix("0") else { return .failure(TargetError("a country code cannot start with 0")) }
        return .success("+" + digits)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
