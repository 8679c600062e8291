/// One thing wrong in a client file: where (a JSON path such as `clients[0].rules[1].channels[0]`,
/// and the line it is on) and what, as a value, so that `rcom clients apply` prints it and an
/// HTTP API can answer it (422 with the path).
public struct ClientFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    /// 1-based; 0 when the error is about the file as a whole.
    public let line: Int
    public let message: String

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(path): \(message)" : "\(path): \(message)" }
}

/// Every error of one file (a file is refused as a whole).
public struct ClientFileErrors: Error, Equatable, Sendable {
    public let errors: [ClientFileError]
    public init(_ errors: [ClientFileError]) { self.errors = errors }
}
