/// What `HTTPServerTable` keeps per connection (internal to RcomCore: only the table uses it).
extension HTTPServerTable {
    enum Timed: Equatable { case request, idle }

    struct Entry {
        var connection: HTTPServerConnection
        var timed: Timed?
        var deadline_ns: Instant_ns = 0
        var malformedCounted = false
        /// Requests of this connection not answered yet, as last counted into `outstanding`.
        var outstanding = 0
        var overLimit = false
        /// The listener it came in on (the reactor numbers them in the order they were opened):
        /// a server with listeners by role decides what the connection may ask for by it.
        var listener = 0

        /// True once, when the codec has refused this connection's bytes.
        mutating func countMalformed() -> Bool {
            guard connection.refusedByCodec, !malformedCounted else { return false }
            malformedCounted = true
            return true
        }

        /// The timeout the connection's phase wants now.
        var wantedTimeout: Timed? {
            switch connection.state {
            case .idle: return .idle
            case .readingRequest: return .request
            case .awaitingResponse, .mustClose, .closed: return nil
            }
        }
    }
}
