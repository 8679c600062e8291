import Foundation

/// HTTP-date (RFC 9110 §5.6.7): read in its three forms, written as IMF-fixdate. Pure
/// arithmetic (Howard Hinnant's days-from-civil), no DateFormatter, no clock. In the core
/// because `Retry-After` may be a date, and every outbound HTTP client (delivery, the OTLP
/// exporter) reads it; writing one (`imfFixdate`) stays with RcomNotify's mail dates.
public enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let longWeekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Milliseconds since the epoch, or nil unless `text` is an HTTP-date:
    /// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, or the obsolete forms a recipient must
    /// still accept: RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`.
    public static func parse_ms(_ text: String) -> Int64? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        let words = s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.count == 6, words[0].hasSuffix(","), weekdays.contains(String(words[0].dropLast())), words[5] == "gmt",
           words[1].count == 2, words[3].count == 4 {
            return epoch_ms(year: Int64(words[3]), month: months.firstIndex(of: words[2]), day: Int64(words[1]), time: words[4])
        }
        if words.count == 4, words[0].hasSuffix(","), longWeekdays.contains(String(words[0].dropLast())), words[3] == "gmt" {
            let dmy = words[1].split(separator: "-").map(String.init)
            guard dmy.count == 3, dmy[0].count == 2, dmy[2].count == 2, let yy = Int64(dmy[2]) else { return nil }
            // RFC 9110: a two-digit year more than 50 years in the future means the past century;
            // without a clock here, 70-99 are read as 19xx and 00-69 as 20xx.
            return epoch_ms(year: yy < 70 ? 2000 + yy : 1900 + yy, month: months.firstIndex(of: dmy[1]), day: Int64(dmy[0]), time: words[2])
        }
        if words.count == 5, weekdays.contains(words[0]), words[4].count == 4 {
            return epoch_ms(year: Int64(words[4]), month: months.firstIndex(of: words[1]), day: Int64(words[2]), time: words[3])
        }
        return nil
    }

    private static func epoch_ms(year: Int64?, month: Int?, day: Int64?, time: String) -> Int64? {
        let hms = time.split(separator: ":").map { Int64($0) }
        guard let y = year, let m = month, let d = day, hms.count == 3, time.count == 8,
              let h = hms[0], let mi = hms[1], let sec = hms[2],
              (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), (0...60).contains(sec) else { return nil }
        guard let days = CivilCalendar.validatedDays(year: y, month: Int64(m + 1), day: d) else { return nil }
        return ((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000
    }
}
