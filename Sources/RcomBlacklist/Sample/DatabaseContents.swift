import RcomStore

/// What a database holds, in words, for a message that refuses to replace it: the user sees
/// what they would have lost (`rcom send`'s notifications live in the same file).
enum DatabaseContents {
    /// " (it holds 1,000,000 subscriptions, 3 notifications)", or "" if it cannot be read.
    static func summary(_ path: String) -> String {
        var options = SQLiteDatabase.Options()
        options.readOnly = true
        guard let db = try? SQLiteDatabase(path: path, options: options) else { return "" }
        var parts: [String] = []
        for (table, noun) in [("subscriptions", "subscription"), ("suppressions", "suppression"),
                              ("notifications", "notification")] {
            guard (try? db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '\(table)'")) == 1,
                  let n = try? db.scalarInt("SELECT count(*) FROM \(table)"), n > 0 else { continue }
            parts.append("\(ImportReport.grouped(Int(n))) \(noun)\(n == 1 ? "" : "s")")
        }
        guard !parts.isEmpty else { return " (its tables are empty)" }
        return " (it holds " + parts.joined(separator: ", ") + ")"
    }
}
