/// Names one request on one inbound connection: responses are written in `sequence` order,
/// as HTTP/1.1 pipelining requires.
public struct RequestRef: Hashable, Sendable {
    public let connection: ConnectionID
    public let sequence: UInt64
    public init(connection: ConnectionID, sequence: UInt64) {
        self.connection = connection
        self.sequence = sequence
    }
}
