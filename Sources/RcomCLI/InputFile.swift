import Foundation

/// Reads a file the user named, or says why it cannot: "cannot read the trace x: No such file
/// or directory". One function, so that a missing file, a directory, a permission problem and
/// a file that is there but holds the wrong thing never share one message.
public enum InputFile {
    /// The whole file at `path`; `what` names it in the message ("the trace", "--batch").
    public static func read(_ path: String, as what: String) -> Result<[UInt8], InputFileError> {
        if let why = unreadable(path) { return .failure(InputFileError("cannot read \(what) \(path): \(why)")) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(InputFileError("cannot read \(what) \(path): \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(InputFileError("cannot read \(what) \(path): \(String(cString: strerror(errno)))"))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// Why `path` cannot be read as a file ("No such file or directory", "it is a directory"),
    /// or nil when it can be opened for reading.
    public static func unreadable(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return "it is a directory" }
        guard access(path, R_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}

/// A file that cannot be read; the message names it and the reason.
public struct InputFileError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
