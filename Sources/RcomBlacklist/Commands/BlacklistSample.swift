import Foundation
import RcomCLI
import RcomStore

/// `rcom blacklist` without FILE: the seed's demonstration, on sample data of rcom's own.
///
/// The sample lives in `sample/` next to the database (`.rcom-data/sample/` by default):
/// `subscriptions.sqlite` (1,000,000 subscribers, never imported into), `bounces.csv` and
/// `bounces.txt`, generated on first use. Each run imports `bounces.csv` into a fresh copy of
/// that database for its mode, `sample/sequential.sqlite` or `sample/concurrent.sqlite`, so:
///   - the two modes do the same work and can be compared, in any order, as often as wanted
///     (imported into one database, the second run would find everything suppressed already);
///   - the user's own database (`--db`, where `rcom send` keeps its notifications) is never
///     touched, nor replaced: the copies are scratch databases of the demonstration.
/// `--resume` continues an interrupted sample run in its copy instead of starting afresh.
struct BlacklistSample {
    let directory: String

    /// The sample next to `database`.
    init(nextTo database: String) {
        let parent = (database as NSString).deletingLastPathComponent
        directory = (parent.isEmpty ? "." : parent) + "/sample"
    }

    var pristine: String { directory + "/subscriptions.sqlite" }
    var bounces: String { directory + "/bounces.csv" }
    var list: String { directory + "/bounces.txt" }
    func copy(for mode: ImportOptions.Mode) -> String { directory + "/\(mode.rawValue).sqlite" }

    /// Whether all three files exist (the generator renames each into place when it is whole).
    var isComplete: Bool { [pristine, bounces, list].allSatisfy { FileManager.default.fileExists(atPath: $0) } }

    /// Makes the sample directory (the database's directory must exist, unless it is the default
    /// data directory) and generates the sample if it is missing or incomplete.
    func prepare(database: String) throws(ImportError) {
        do throws(DataPathError) {
            try DataPath.prepareParent(of: database, option: "--db")
            // sample/ belongs to rcom, inside a directory that exists: created like the data directory.
            try DataPath.prepareDirectory(directory, option: "--db", defaultDirectory: directory)
        } catch {
            throw .io(error.message)
        }
        guard !isComplete else { return }
        let generator = SampleDataGenerator()
        Terminal.stderr("rcom: no sample in \(directory) yet; generating it first " +
                        "(\(ImportReport.grouped(generator.subscribers)) subscribers, " +
                        "\(ImportReport.grouped(generator.bounces)) bounces, seed \(generator.seed))\n")
        _ = try generator.generate(databasePath: pristine, csvPath: bounces, listPath: list)
    }

    /// The database `mode` imports into: a fresh copy of the sample's, unless `resume` finds one.
    func database(for mode: ImportOptions.Mode, resume: Bool) throws(ImportError) -> String {
        let target = copy(for: mode)
        if resume && FileManager.default.fileExists(atPath: target) { return target }
        let temporary = target + ".copying"
        unlink(temporary)
        do { try FileManager.default.copyItem(atPath: pristine, toPath: temporary) } catch {
            throw .io("cannot copy the sample database to \(temporary): \(DataPath.reason(error))")
        }
        // The WAL of the copy being replaced belongs to it: left next to the new copy, SQLite
        // would apply it to a database it was not written for.
        for suffix in ["-wal", "-shm"] { unlink(target + suffix) }
        guard rename(temporary, target) == 0 else {
            throw .io("cannot move \(temporary) to \(target): \(String(cString: strerror(errno)))")
        }
        return target
    }
}
