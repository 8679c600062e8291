import RcomCLI
import RcomCore
import RcomStore

/// Tells a bounce file's format from its first bytes (never from its name): JSON by its first
/// byte and the member names of its first object, CSV by its header's column names, a plain
/// list by a first line that is an address. `--format` forces a provider, or the generic CSV or
/// list; the shape within a provider (its JSON or its CSV) is still read from the content.
enum BounceFormatDetector {
    /// How many bytes of the file detection looks at.
    static let prefixBytes = 64 * 1024

    /// The formats tried, in the order the error message names them.
    static let tried = BounceFormatName.allCases.map(\.rawValue).joined(separator: ", ")

    /// The format of a file starting with `prefix` (at most `prefixBytes`, possibly cut inside a
    /// record), or why it cannot be told.
    static func detect(prefix: [UInt8], forced: BounceFormatName?) -> Result<BounceFileFormat, ReadProblem> {
        var start = 0
        if prefix.starts(with: [0xef, 0xbb, 0xbf]) { start = 3 }  // a UTF-8 byte order mark
        while start < prefix.count, AddressNormalizer.isBlank(prefix[start]) || prefix[start] == 0x0a { start += 1 }
        let body = Array(prefix[start...])
        // Nothing but blanks: no format to tell, and nothing to import; read as an (empty) list,
        // the import then says the file holds no valid address, as it always did.
        guard let first = body.first else {
            return .success(forced.flatMap(jsonFormat(named:)).map { .json($0) } ?? .addressList)
        }

        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") {
            let found = json(body)
            switch (found, forced) {
            case (.some(let format), nil): return .success(.json(format))
            case (.some(let format), .some(let name)) where format.name == name: return .success(.json(format))
            case (_, .some(let name)) where name == .csv || name == .list:
                return .problem("it is JSON, not \(name == .csv ? "a CSV export" : "a list of addresses")")
            case (_, .some(let name)):
                // Forced: read it as that provider's JSON whatever its first names were.
                guard let format = jsonFormat(named: name) else { return .problem("no JSON layout for \(name.rawValue)") }
                return .success(.json(format))
            case (nil, nil):
                return .problem("it is JSON, but none of the providers' layouts (its first member names: " +
                                "\(TerminalText.escaped(firstNames(body).joined(separator: ", "))))")
            }
        }

        let lineEnd = body.firstIndex(of: 0x0a) ?? body.count
        var line = Array(body[..<lineEnd])
        if line.last == 0x0d { line.removeLast() }
        if let columns = csvColumns(header: line) {
            switch forced {
            case nil, .some(columns.provider): return .success(.csv(columns))
            case .some(.csv):
                // A provider's CSV read as the generic one: its `email`, `reason`, `bounced_at`.
                guard let generic = csvColumns(header: line, genericOnly: true) else {
                    return .problem("its header has no `email` column")
                }
                return .success(.csv(generic))
            case .some(.list):
                return .success(.addressList)
            case .some(let name):
                return .problem("its header is that of a \(columns.provider.rawValue) CSV, not \(name.rawValue)")
            }
        }
        switch forced {
        case .some(.list): return .success(.addressList)
        case .some(let name): return .problem("its first line is not a \(name.rawValue) header")
        case nil:
            // A list: the first line holds one address and nothing that looks like columns, and
            // is text (UTF-8 without control bytes). Without the last check about 3 % of random
            // files passed for a list: any '@' and no separator in their first line.
            let looksLikeAddress = line.contains(UInt8(ascii: "@")) && !line.contains(UInt8(ascii: ","))
                && !line.contains(UInt8(ascii: ";")) && line.allSatisfy({ $0 >= 0x20 && $0 != 0x7f })
                && String(validating: line, as: UTF8.self) != nil
            return looksLikeAddress ? .success(.addressList)
                : .problem("its first line is neither a known CSV header nor an address")
        }
    }

    /// The CSV header's columns, by name (any case, optionally quoted): Mailgun's
    /// `address,code,error,created_at`, SendGrid's `created,email,reason,status`, or the generic
    /// `email` (with `reason`, `bounced_at`). Nil when the line is no such header.
    static func csvColumns(header: [UInt8], genericOnly: Bool = false) -> BounceFileFormat.CSVColumns? {
        let names = headerFields(header).map {
            String(decoding: $0, as: UTF8.self).trimmingBlanks().lowercased()
        }
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        if !genericOnly, let address = column("address"), column("email") == nil,
           column("code") != nil || column("error") != nil || column("created_at") != nil {
            return .init(provider: .mailgun, email: address, reason: column("error"), status: column("code"),
                         time: column("created_at"), strictTime: false)
        }
        guard let email = column("email") else { return nil }
        if !genericOnly, let created = column("created"), let status = column("status") {
            return .init(provider: .sendgrid, email: email, reason: column("reason"), status: status, time: created,
                         strictTime: false)
        }
        return .init(provider: .csv, email: email, reason: column("reason"), time: column("bounced_at"), strictTime: true)
    }

    /// A header's fields, read leniently (`CSVField`); a field with an unterminated quote is
    /// kept as far as it goes, and ends the header.
    static func headerFields(_ line: [UInt8]) -> [[UInt8]] {
        line.withUnsafeBufferPointer { p in
            var fields: [[UInt8]] = []
            var start = 0
            while start <= p.count {
                var field: [UInt8] = []
                do {
                    let b = try CSVField.bounds(p, from: start, policy: .lenient)
                    CSVField.text(p, b, into: &field)
                    start = b.end + 1
                } catch {
                    if case CSVField.Failure.unterminatedQuote(let opened) = error { field.append(contentsOf: p[(opened + 1)...]) }
                    start = p.count + 1
                }
                fields.append(field)
            }
            return fields
        }
    }

    /// The provider whose JSON layout the first object's member names give away.
    static func json(_ body: [UInt8]) -> JSONBounceFormat? {
        if body.first == UInt8(ascii: "[") { return .sendgrid }
        let names = Set(firstNames(body))
        if names.contains("SuppressedDestinationSummaries") { return .ses }
        if names.contains("items") || names.contains("paging") { return .mailgun }
        if names.contains("Bounces") || names.contains("TotalCount") { return .postmark }
        if names.contains("notificationType") || names.contains("eventType") { return .sesSNS }
        // SNS's envelope (HTTP/SQS delivery): its notifications' `Message` is read as SES's.
        if names.contains("Type") && names.contains("Message") && (names.contains("MessageId") || names.contains("TopicArn")) {
            return .sesSNS
        }
        return nil
    }

    static func jsonFormat(named name: BounceFormatName) -> JSONBounceFormat? {
        switch name {
        case .sendgrid: return .sendgrid
        case .mailgun: return .mailgun
        case .ses: return .ses
        case .sesSNS: return .sesSNS
        case .postmark: return .postmark
        case .csv, .list: return nil
        }
    }

    /// The member names of the first top-level object, as far as the prefix goes.
    private static func firstNames(_ body: [UInt8]) -> [String] {
        var scanner = JSONRecordScanner(layout: .topLevelObjects)
        body.withUnsafeBufferPointer { p in _ = try? scanner.scan(p) { _ in } }
        return scanner.firstObjectNames
    }
}

/// Why a file's format, or one record of it, cannot be read: a sentence for the user.
struct ReadProblem: Error, Equatable {
    let message: String
}

extension Result where Failure == ReadProblem {
    static func problem(_ message: String) -> Self { .failure(ReadProblem(message: message)) }
}
