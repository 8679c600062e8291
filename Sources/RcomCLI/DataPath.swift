import Foundation

/// The one rule for the directories rcom writes into: it creates its own default data directory
/// (`.rcom-data` in the working directory) and its home (`$RCOM_HOME`, default `~/.rcom`, for
/// the job server's secret) when missing, and no other. A file the user names elsewhere must go into a directory that exists: creating
/// `/nonexistent/dir` for a typo in `--db` scatters directories (and a 178 MB sample) where
/// nobody looks, while an error naming the directory costs one `mkdir`.
public enum DataPath {
    /// The data directory of `rcom send`, `rcom track`, `rcom stats` and `rcom blacklist`.
    public static let defaultDirectory = ".rcom-data"

    /// Makes sure the directory that will hold `file` exists. It is created (one level, as
    /// `mkdir` would) only when it is `defaultDirectory`; `option` names the flag or variable the
    /// path came from, for the message.
    public static func prepareParent(of file: String, option: String,
                                     defaultDirectory: String? = DataPath.defaultDirectory) throws(DataPathError) {
        let parent = (file as NSString).deletingLastPathComponent
        try prepareDirectory(parent.isEmpty ? "." : parent, for: file, option: option, defaultDirectory: defaultDirectory)
    }

    /// Makes sure `directory` exists, creating it only when it is `defaultDirectory`.
    public static func prepareDirectory(_ directory: String, option: String,
                                        defaultDirectory: String? = DataPath.defaultDirectory) throws(DataPathError) {
        try prepareDirectory(directory, for: nil, option: option, defaultDirectory: defaultDirectory)
    }

    /// Makes sure rcom's home exists: `$RCOM_HOME` or `~/.rcom`, created when missing, with its
    /// missing parents, mode 0700 (the XDG base-directory rule, as cargo and gpg do): the user
    /// named it as rcom's own place, not as one file's destination, and it holds a secret.
    public static func prepareHome(_ directory: String, option: String) throws(DataPathError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataPathError("\(option) \(directory) is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue { return }
            throw DataPathError("cannot create \(option) \(directory): \(reason(error))")
        }
    }

    private static func prepareDirectory(_ directory: String, for file: String?, option: String,
                                         defaultDirectory: String?) throws(DataPathError) {
        var isDirectory: ObjCBool = false
        let named = file.map { "\(option) \($0)" } ?? "\(option) \(directory)"
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataPathError("\(named): \(directory) is not a directory") }
            return
        }
        guard let defaultDirectory, sameLocation(directory, defaultDirectory) else {
            throw DataPathError("\(named): the directory \(directory) does not exist; " +
                                "create it first (mkdir -p \(directory)) or choose another path")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        } catch {
            // Another process may have created it in between: only a directory that is still
            // missing is a failure.
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue { return }
            throw DataPathError("cannot create the data directory \(directory): \(reason(error))")
        }
    }

    private static func sameLocation(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
    }

    /// The system's reason (`strerror`) when Foundation has one, instead of its generic sentence.
    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }
}

/// A directory rcom will not create or cannot use; the message names it and says what to do.
public struct DataPathError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
