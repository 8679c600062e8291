/// Something an operator should read in the log (drain started, upstream unreachable, timeouts
/// in aggregate), said by a sans-IO pipeline as an effect: the shell writes it through its
/// logger, a trace records it, a replay compares it. Never one per request.
public struct OperatorNotice: Equatable, Sendable {
    public enum Level: String, Sendable { case error, warn, info, debug }

    public let level: Level
    public let message: String
    /// Values are untrusted text as far as the logger is concerned (it escapes them).
    public let fields: [(String, String)]

    public init(_ level: Level, _ message: String, _ fields: [(String, String)] = []) {
        self.level = level
        self.message = message
        self.fields = fields
    }

    public static func == (a: OperatorNotice, b: OperatorNotice) -> Bool {
        a.level == b.level && a.message == b.message && a.fields.count == b.fields.count
            && zip(a.fields, b.fields).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
