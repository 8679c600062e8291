/// How the lines of a bounce file are laid out, decided from its first line.
public enum BounceFileFormat: Sendable, Equatable {
    /// The provider's export: a header naming the columns (`email`, and optionally `reason`,
    /// `bounced_at`, in any order), then one RFC 4180 record per line (quoted fields allowed,
    /// embedded newlines not).
    case csv(emailColumn: Int, reasonColumn: Int?, bouncedAtColumn: Int?)
    /// One address per line, no header.
    case addressList

    /// `firstLine` without its newline. A first line is a CSV header when one of its
    /// comma-separated fields is `email` (any case, optionally quoted).
    public static func detect(firstLine: [UInt8]) -> BounceFileFormat {
        let names = CSVRecord.fields(of: firstLine).map {
            String(decoding: $0, as: UTF8.self).trimmingBlanks().lowercased()
        }
        guard let email = names.firstIndex(of: "email") else { return .addressList }
        return .csv(emailColumn: email,
                    reasonColumn: names.firstIndex(of: "reason"),
                    bouncedAtColumn: names.firstIndex(of: "bounced_at"))
    }

    public var hasHeader: Bool {
        if case .csv = self { return true }
        return false
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
