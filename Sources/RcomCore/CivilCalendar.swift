/// Proleptic Gregorian calendar arithmetic in UTC (Howard Hinnant's days-from-civil and
/// civil-from-days): the one place rcom turns epoch days into dates and back, for ISO-8601,
/// RFC 5322 and HTTP dates alike. Pure, no Foundation formatter (slow, and not Sendable).
public enum CivilCalendar {
    public struct Date: Equatable, Sendable {
        public let year: Int64
        /// 1...12
        public let month: Int64
        /// 1...31
        public let day: Int64
        public init(year: Int64, month: Int64, day: Int64) {
            self.year = year
            self.month = month
            self.day = day
        }
    }

    /// Floor division, so times before 1970 fall on the right day.
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    public static func date(fromDays z0: Int64) -> Date {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return Date(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Days since 1970-01-01. Out-of-range days roll over (31 February is 3 March): parsers of
    /// text use `validatedDays`.
    public static func days(year y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days since 1970-01-01 of a date that exists; nil for a month outside 1...12 or a day
    /// past the month's end (31 February), which `days` would roll over. For parsers of text.
    public static func validatedDays(year: Int64, month: Int64, day: Int64) -> Int64? {
        guard (1...12).contains(month), day >= 1 else { return nil }
        let d = days(year: year, month: month, day: day)
        return date(fromDays: d) == Date(year: year, month: month, day: day) ? d : nil
    }

    /// 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday).
    public static func weekday(days: Int64) -> Int { Int(((days % 7) + 7 + 3) % 7) }

    /// Zero-padded decimal, e.g. `pad(7, 2)` is "07".
    public static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
