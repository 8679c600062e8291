import RcomCore

/// ISO 8601 UTC text from epoch seconds without Foundation's formatter, which is far too slow
/// for a million rows. The calendar arithmetic is RcomCore's `CivilCalendar`.
enum UTCTime {
    static func iso8601(epochSeconds t: Int) -> String {
        let days = CivilCalendar.floorDiv(Int64(t), 86_400)
        let secondOfDay = Int64(t) - days * 86_400
        let date = CivilCalendar.date(fromDays: days)
        let two = { (v: Int64) in CivilCalendar.pad(v, 2) }
        return "\(date.year)-\(two(date.month))-\(two(date.day))T\(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
