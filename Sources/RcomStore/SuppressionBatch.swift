/// Suppressions to apply together, packed for speed: the texts live in one byte arena and each
/// entry points into it, so a 2,000-line batch is three allocations rather than 6,000 strings.
/// Entries are applied in their order; callers sort them by email for B-tree locality.
public struct SuppressionBatch: Sendable {
    public struct Entry: Sendable {
        public var email: Range<Int>
        public var reason: Range<Int>
        /// Unix seconds.
        public var suppressedAt_s: Int64

        public init(email: Range<Int>, reason: Range<Int>, suppressedAt_s: Int64) {
            self.email = email
            self.reason = reason
            self.suppressedAt_s = suppressedAt_s
        }
    }

    public var bytes: [UInt8] = []
    public var entries: [Entry] = []
    /// One flag per entry when set: whether the address had a subscription when a
    /// `SubscriptionLookup` checked it. The store then trusts the flags rather than look each
    /// address up while it writes. Nil: the store looks up.
    public var subscribed: [Bool]? = nil

    public init() {}

    public init(bytes: [UInt8], entries: [Entry]) {
        self.bytes = bytes
        self.entries = entries
    }

    /// Appends `text` to the arena and returns where it is.
    /// @inlinable: callers in other modules (the importer, per address) then get it specialised
    /// for their collection type; unspecialised, each call went through the generic
    /// `Array.append(contentsOf:)` and a metadata look-up, and that was a fifth of an import.
    @inlinable
    public mutating func store<C: Collection>(_ text: C) -> Range<Int> where C.Element == UInt8 {
        let start = bytes.count
        bytes.append(contentsOf: text)
        return start..<bytes.count
    }

    /// Convenience for callers with strings (tests, other backends' callers).
    public mutating func append(email: String, reason: String, suppressedAt_s: Int64) {
        let e = store(email.utf8), r = store(reason.utf8)
        entries.append(Entry(email: e, reason: r, suppressedAt_s: suppressedAt_s))
    }

    public func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    public var count: Int { entries.count }
}

/// What applying a batch did: every entry lands in exactly one of these.
public struct SuppressionTally: Sendable, Equatable {
    public var newlySuppressed = 0
    public var alreadySuppressed = 0
    public var notSubscribed = 0
    public init() {}
}
