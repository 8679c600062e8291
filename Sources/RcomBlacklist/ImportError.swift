import RcomStore

/// Why an import stopped before the end of its file. Every case says what to do next.
public enum ImportError: Error, CustomStringConvertible, Sendable {
    case io(String)
    case store(StoreError, resumeLine: Int?)
    case changedSinceCheckpoint(path: String, stoppedAtLine: Int)

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
        }
    }
}
