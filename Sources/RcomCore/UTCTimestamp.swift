/// `2015-06-29T15:28:55.497Z` (RFC 3339, UTC, milliseconds) from milliseconds since the epoch:
/// the job server's `startedAt` and every log line's `ts` are this one format.
public enum UTCTimestamp {
    public static func format(ms: Int64) -> String {
        let days = CivilCalendar.floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let date = CivilCalendar.date(fromDays: days)
        let h = msOfDay / 3_600_000, mi = (msOfDay / 60_000) % 60, s = (msOfDay / 1000) % 60, milli = msOfDay % 1000
        let pad = CivilCalendar.pad
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(milli, 3))Z"
    }
}
