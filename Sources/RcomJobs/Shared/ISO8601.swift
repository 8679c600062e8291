import RcomCore

/// `2015-06-29T15:28:55.497Z` from milliseconds since the epoch, and back.
public enum ISO8601 {
    public static func format(ms: Int64) -> String { UTCTimestamp.format(ms: ms) }

    /// Parses exactly the format above (a real calendar date); nil otherwise.
    public static func parse(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count == 24, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 46, b[23] == 90 else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int64(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(14..<16), let sec = num(17..<19), let ms = num(20..<23),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        guard let days = CivilCalendar.validatedDays(year: y, month: mo, day: d) else { return nil }
        return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms
    }
}
