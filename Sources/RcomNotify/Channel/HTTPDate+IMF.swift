import RcomCore

extension HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func imfFixdate(ms: Int64) -> String {
        String(EmailChannel.rfc5322Date(ms: ms).dropLast(5)) + "GMT"
    }
}
