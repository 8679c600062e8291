import RcomCore
import RcomStore

/// Why an import stopped before the end of its file. Every case says what to do next.
public enum ImportError: Error, CustomStringConvertible, Sendable {
    case io(String)
    case store(StoreError, resumeLine: Int?)
    case changedSinceCheckpoint(path: String, stoppedAtLine: Int)
    /// The file's format could not be told (or is not the one `--format` named): nothing was read
    /// into the database.
    case unrecognizedFormat(path: String, why: String, forced: BounceFormatName?)
    /// A JSON export whose structure breaks at `error.offset` (cut short, brackets that do not
    /// match): the import stopped there; batches committed before stay, nothing after was applied.
    case invalidDocument(path: String, JSONSyntaxError)

    public var description: String {
        switch self {
        case .io(let message):
            return message
        case .store(let error, let line):
            guard let line else { return error.description }
            return "\(error.description); nothing from line \(line) on was applied: rerun with --resume to continue there"
        case .changedSinceCheckpoint(let path, let line):
            return "\(path) changed since its import stopped at line \(line), so it cannot be resumed; " +
                "run without --resume to import the new file from the start"
        case .unrecognizedFormat(let path, let why, let forced):
            if let forced {
                return "\(path) cannot be read as --format \(forced.rawValue): \(why); nothing was imported " +
                    "(without --format the format is told from the content)"
            }
            return "cannot tell the format of \(path): \(why); tried \(BounceFormatDetector.tried). Nothing was imported; " +
                "name the format with --format \(BounceFormatName.allCases.map(\.rawValue).joined(separator: "|")) if it is one of these"
        case .invalidDocument(let path, let error):
            return "\(path) is not a complete JSON document: \(error.message) at byte \(error.offset). The import stopped there: " +
                "the batches committed before it stay, nothing after it was applied; fix or download the file again and rerun"
        }
    }
}
