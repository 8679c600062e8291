import CSQLite

/// A failed store operation, as a value: the SQLite result code (or PostgreSQL's SQLSTATE), the
/// database's own message, what we were doing, and (where we know one) what the person at the
/// terminal can do about it.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Extended SQLite result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...); 0 for errors
    /// of ours and PostgreSQL's.
    public let code: Int32
    public let message: String
    public let context: String
    /// PostgreSQL's five-character SQLSTATE (`28P01`, `08006`, ...); "" for SQLite and errors of
    /// ours, and for a connection that failed before the server said why.
    public var sqlState = ""
    /// A PostgreSQL connection problem (server unreachable, connection lost): nothing was committed
    /// by the statement that failed.
    public var connectionLost = false

    public init(code: Int32, message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// Errors detected by rcom itself rather than reported by SQLite (e.g. a schema too new).
    public static func store(_ message: String, context: String) -> StoreError {
        StoreError(code: 0, message: message, context: context)
    }

    public var primaryCode: Int32 { code & 0xff }

    public var description: String {
        let hint = self.hint
        return "\(context): \(message)" + (hint.isEmpty ? "" : " (\(hint))")
    }

    /// The advice attached to the codes a person can act on.
    public var hint: String {
        if connectionLost || sqlState.hasPrefix("08") {
            return "the PostgreSQL server is unreachable or the connection was lost; check that it runs and the " +
                   "URL's host and port, then rerun (rcom blacklist: with --resume)"
        }
        switch sqlState {
        case "28P01", "28000": return "check the user and password in the URL"
        case "3D000": return "create the database first (createdb), or fix the name in the URL"
        case "40P01", "40001": return "a conflict with another writer; rerun (rcom blacklist: with --resume)"
        case "53100": return "the server's disk is full; free space and rerun with --resume"
        case "": break
        default: return ""
        }
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return "another process held the write lock longer than the busy timeout; retry when it is done"
        case SQLITE_CANTOPEN:
            return "check that the directory exists and is writable"
        case SQLITE_READONLY, SQLITE_PERM:
            return "the database or its directory is read-only; the -wal and -shm files need write access too"
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            return "the file is not a usable SQLite database; restore it or point --db elsewhere"
        case SQLITE_FULL:
            return "the disk is full; free space and rerun with --resume"
        case SQLITE_IOERR:
            return "an I/O error; check the disk, then rerun with --resume"
        default:
            return ""
        }
    }
}
