/// What one server table counts, for `/stats` and `/metrics`.
extension HTTPServerTable {
    public struct Counters: Equatable, Sendable {
        /// Requests not complete within the request timeout (answered 408).
        public var requestTimeouts = 0
        /// Keep-alive connections closed for idling.
        public var idleTimeouts = 0
        /// Idle or half-sent connections closed to admit a new one at the budget.
        public var evicted = 0
        /// New connections refused (503) at the budget because no open one could be closed.
        public var refusedAtLimit = 0
        /// Requests refused by the codec (400, 413, 431, 501, 505…).
        public var malformed = 0
    }
}
