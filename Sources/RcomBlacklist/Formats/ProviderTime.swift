import RcomCore

/// The times providers write, as Unix seconds: SendGrid's `created` (Unix seconds), SES's
/// `LastUpdateTime` (Unix seconds, possibly with a fraction, as the API returns it; ISO 8601 as
/// the AWS CLI prints it), Mailgun's `created_at` (RFC 2822: `Fri, 21 Oct 2011 11:02:55 UTC`),
/// SES notifications' and Postmark's ISO 8601 (`2016-01-27T14:59:38.237Z`,
/// `2019-11-05T16:33:54.9070259-05:00`). Anything else, or a day that does not exist, is nil:
/// the bounce then takes the import's time rather than a guess.
enum ProviderTime {
    static func seconds(_ text: some Collection<UInt8>) -> Int64? {
        var t = Array(text)
        while let f = t.first, f == 0x20 || f == 0x09 || f == 0x0d { t.removeFirst() }
        while let l = t.last, l == 0x20 || l == 0x09 || l == 0x0d { t.removeLast() }
        guard let first = t.first, t.count <= 64 else { return nil }
        if isDigit(first) {
            if t.count >= 10, t[4] == UInt8(ascii: "-") { return iso8601(t) }
            return unix(t)
        }
        return rfc2822(t)
    }

    /// The seconds of a JSON number (`1443651125`, `1.59E9`, `1589830140.123`).
    static func seconds(jsonNumber text: some Collection<UInt8>) -> Int64? {
        // Whole seconds, as every provider writes them: no Double, no String.
        if !text.isEmpty, text.count <= 11, text.allSatisfy(isDigit) {
            return text.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
        }
        guard let v = Double(String(decoding: text, as: UTF8.self)), v.isFinite, v >= 0, v < 1e11 else { return nil }
        return Int64(v)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func number(_ t: [UInt8], _ from: Int, _ count: Int) -> Int64? {
        guard from + count <= t.count else { return nil }
        var v: Int64 = 0
        for i in from..<(from + count) {
            guard isDigit(t[i]) else { return nil }
            v = v * 10 + Int64(t[i] - 0x30)
        }
        return v
    }

    /// Digits, optionally a fraction (dropped): seconds since 1970, up to the year 5138.
    private static func unix(_ t: [UInt8]) -> Int64? {
        let whole = t.firstIndex(of: UInt8(ascii: ".")) ?? t.count
        guard whole > 0, whole <= 11, let v = number(t, 0, whole),
              t[whole...].dropFirst().allSatisfy(isDigit) else { return nil }
        return v
    }

    private static func clock(_ y: Int64, _ mo: Int64, _ d: Int64, _ h: Int64, _ mi: Int64, _ s: Int64) -> Int64? {
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61,
              let days = CivilCalendar.validatedDays(year: y, month: mo, day: d) else { return nil }
        return days * 86_400 + h * 3_600 + mi * 60 + s
    }

    /// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`; no zone means UTC.
    private static func iso8601(_ t: [UInt8]) -> Int64? {
        guard t.count >= 19, t[7] == UInt8(ascii: "-"), t[10] == UInt8(ascii: "T") || t[10] == 0x20,
              t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"),
              let y = number(t, 0, 4), let mo = number(t, 5, 2), let d = number(t, 8, 2),
              let h = number(t, 11, 2), let mi = number(t, 14, 2), let s = number(t, 17, 2),
              let base = clock(y, mo, d, h, mi, s) else { return nil }
        var i = 19
        if i < t.count, t[i] == UInt8(ascii: ".") {
            i += 1
            let digits = i
            while i < t.count, isDigit(t[i]) { i += 1 }
            guard i > digits else { return nil }
        }
        guard let zone = offset(t, from: i) else { return nil }
        return base - zone
    }

    /// The zone from `i` to the end, in seconds east of UTC: nothing, `Z`, `UTC`, `GMT`,
    /// `±HH:MM` or `±HHMM`.
    private static func offset(_ t: [UInt8], from i: Int) -> Int64? {
        let rest = t[i...]
        if rest.isEmpty || rest.elementsEqual("Z".utf8) || rest.elementsEqual("UTC".utf8) || rest.elementsEqual("GMT".utf8) {
            return 0
        }
        guard let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let digits = Array(rest.dropFirst().filter { $0 != UInt8(ascii: ":") })
        guard digits.count == 4, rest.count == 5 || (rest.count == 6 && rest[i + 3] == UInt8(ascii: ":")),
              let hh = number(digits, 0, 2), let mm = number(digits, 2, 2), hh < 24, mm < 60 else { return nil }
        return (sign == UInt8(ascii: "-") ? -1 : 1) * (hh * 3_600 + mm * 60)
    }

    /// "jan" … "dec" as three lower-case bytes in a word.
    private static let months: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .map { $0.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }

    /// `[Day, ]DD Mon YYYY HH:MM[:SS] zone` (RFC 2822 §3.3, zones as numbers, UT/UTC/GMT/Z).
    /// Read in place (Mailgun writes one per record): the words are ranges of `t`.
    private static func rfc2822(_ t: [UInt8]) -> Int64? {
        var words: [Range<Int>] = []
        words.reserveCapacity(7)
        var i = 0
        while i < t.count, words.count < 7 {  // 7: enough to tell a sixth word after the day name
            while i < t.count, t[i] == 0x20 || t[i] == 0x09 { i += 1 }
            let start = i
            while i < t.count, t[i] != 0x20 && t[i] != 0x09 { i += 1 }
            if i > start { words.append(start..<i) }
        }
        if let first = words.first, t[first.upperBound - 1] == UInt8(ascii: ",") { words.removeFirst() }
        guard words.count == 5, (1...2).contains(words[0].count),
              let d = number(t, words[0].lowerBound, words[0].count), words[1].count == 3,
              let mo = months.firstIndex(of: t[words[1]].reduce(UInt32(0)) { $0 << 8 | UInt32($1 | 0x20) }),
              words[2].count == 4, let y = number(t, words[2].lowerBound, 4) else { return nil }
        // HH:MM or HH:MM:SS
        let hms = words[3], at = hms.lowerBound
        guard hms.count == 5 || hms.count == 8, t[at + 2] == UInt8(ascii: ":"),
              hms.count == 5 || t[at + 5] == UInt8(ascii: ":"),
              let h = number(t, at, 2), let mi = number(t, at + 3, 2) else { return nil }
        let s = hms.count == 8 ? number(t, at + 6, 2) : 0
        let zoneWord = t[words[4]].elementsEqual("UT".utf8) ? Array("UTC".utf8) : Array(t[words[4]])
        guard let s, let base = clock(y, Int64(mo + 1), d, h, mi, s), let zone = offset(zoneWord, from: 0) else { return nil }
        return base - zone
    }
}
