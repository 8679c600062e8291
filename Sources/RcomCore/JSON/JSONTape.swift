/// The strict reading of one JSON object text that `JSONObject` does, made for reading hundreds
/// of thousands of records of a provider's export: it validates the text exactly as `JSONObject`
/// does (same grammar, same refusals, same messages and byte offsets: a differential fuzz target
/// checks it) and writes a flat table of every value in it, nested ones included, as byte ranges.
/// Nothing is decoded and nothing allocated (the table keeps its capacity between records):
/// the caller decodes the few members it reads. `JSONObject` decoded every top-level name into a
/// String and kept them in a set when there were more than 8 (Postmark's records have 14–20),
/// and a record's nested objects had to be parsed again to be read (SES notifications).
///
/// Strings are scanned 8 bytes at a time (`JSONTape+Strings.swift`): the bytes of a provider's
/// export are mostly string contents.
public struct JSONTape: Sendable {
    /// One value: the top-level object (entry 0), a member's value, or an array's element.
    public struct Entry: Sendable {
        /// The container's entry; -1 for the top-level object.
        public var parent: Int32
        /// Past this value's entry and those of everything nested in it.
        public var next: Int32
        /// The member name's bytes with their quotes (empty for an array element or entry 0).
        public var nameStart: Int32
        public var nameEnd: Int32
        /// The value's bytes (a string's with its quotes).
        public var valueStart: Int32
        public var valueEnd: Int32
        public var kind: JSONObject.Kind
        /// The name, the value (a string) hold a backslash escape: compare or copy them decoded.
        public var nameEscaped: Bool
        public var valueEscaped: Bool

        public var name: Range<Int> { Int(nameStart)..<Int(nameEnd) }
        public var value: Range<Int> { Int(valueStart)..<Int(valueEnd) }
    }

    public internal(set) var entries: [Entry] = []
    /// Hashes of the top-level names, for the repeated-name check (`entries` order, top level only).
    private var nameHashes: [UInt64] = []
    /// The top-level names, decoded, once there are more than 64 (nil below).
    private var topNameSet: Set<[UInt8]>?
    private var nameBits: UInt64 = 0

    public init() {}

    /// Reads `bytes` as one JSON object (blanks around it allowed); nil when it is one, else why
    /// not, at the byte where `JSONObject.parse` would say so.
    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONSyntaxError? {
        entries.removeAll(keepingCapacity: true)
        nameHashes.removeAll(keepingCapacity: true)
        topNameSet = nil
        nameBits = 0
        guard bytes.count < Int(Int32.max), let base = bytes.baseAddress else {
            return JSONSyntaxError(message: "expected a JSON object", offset: 0)
        }
        var r = Cursor(b: base, n: bytes.count)
        if let e = r.topLevelObject(&self) { return e }
        return nil
    }

    /// The children of container entry `index`, in document order.
    public func children(of index: Int) -> Children { Children(entries: entries, index: index) }

    public struct Children: Sequence, IteratorProtocol {
        let entries: [Entry]
        var at: Int
        let end: Int
        init(entries: [Entry], index: Int) {
            self.entries = entries
            at = index + 1
            end = Int(entries[index].next)
        }
        public mutating func next() -> Int? {
            guard at < end else { return nil }
            defer { at = Int(entries[at].next) }
            return at
        }
    }

    /// The entry of member `name` of object entry `object`: the first so named (names compared
    /// decoded, as `JSONObject` compares them).
    public func member(_ name: StaticString, of object: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let want = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        for i in children(of: object) where Self.nameEquals(entries[i], want, bytes) { return i }
        return nil
    }

    /// Whether two members of object entry `object` have the same name (decoded): `JSONObject`
    /// refuses such an object; the top level is checked by `parse` already. Up to 16 members
    /// each pair is compared (nothing allocated); past that, a set of the names.
    public func hasRepeatedNames(_ object: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var count = 0
        for i in children(of: object) {
            count += 1
            if count > 16 {
                var names: Set<[UInt8]> = []
                for j in children(of: object) where !names.insert(Self.decodedName(entries[j], bytes)).inserted { return true }
                return false
            }
            for j in children(of: object) {
                if j == i { break }
                let e = entries[i], f = entries[j]
                let same = e.nameEscaped || f.nameEscaped
                    ? Self.decodedName(e, bytes) == Self.decodedName(f, bytes)
                    : Self.nameEquals(f, Self.nameBytes(e, bytes), bytes)
                if same { return true }
            }
        }
        return false
    }

    /// A string value's decoded bytes, appended to `out`.
    public static func appendString(_ e: Entry, _ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let inner = (e.value.lowerBound + 1)..<(e.value.upperBound - 1)
        if e.valueEscaped { appendDecoded(bytes, inner, to: &out) } else { out.append(contentsOf: bytes[inner]) }
    }

    private static func nameBytes(_ e: Entry, _ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[(e.name.lowerBound + 1)..<(e.name.upperBound - 1)])
    }

    static func decodedName(_ e: Entry, _ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard e.nameEscaped else { return Array(nameBytes(e, bytes)) }
        var out: [UInt8] = []
        appendDecoded(bytes, (e.name.lowerBound + 1)..<(e.name.upperBound - 1), to: &out)
        return out
    }

    /// `e`'s name equals `want` (decoded bytes).
    static func nameEquals(_ e: Entry, _ want: UnsafeBufferPointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard e.nameEnd > e.nameStart else { return false }
        guard !e.nameEscaped else { return decodedName(e, bytes).elementsEqual(want) }
        let raw = nameBytes(e, bytes)
        return raw.count == want.count && raw.elementsEqual(want)
    }

    /// Top-level names: the repeated-name check of `JSONObject` (which compares decoded names).
    /// Hashes of the names are compared, and the names themselves where two hashes agree; past
    /// 64 names, a set of the decoded names, so that a hostile object costs linear time, not
    /// quadratic. False when `index`'s name is a repeat.
    mutating func addTopName(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let e = entries[index]
        if topNameSet != nil || nameHashes.count >= 64 {
            if topNameSet == nil {
                topNameSet = []
                var j = 1
                while j < index { topNameSet!.insert(Self.decodedName(entries[j], bytes)); j = Int(entries[j].next) }
            }
            return topNameSet!.insert(Self.decodedName(e, bytes)).inserted
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        if e.nameEscaped {
            for c in Self.decodedName(e, bytes) { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        } else {
            for c in Self.nameBytes(e, bytes) { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        }
        // The earlier members (entry 0 is still open: its `next` is not set yet).
        // A bit per name (of 64, by the hash's top bits): a name whose bit is clear is new,
        // and most are; only the others are compared with the earlier names.
        let bit: UInt64 = 1 << (h >> 58)
        defer { nameHashes.append(h); nameBits |= bit }
        guard nameBits & bit != 0 else { return true }
        var k = 0, i = 1
        while i < index {
            if nameHashes[k] == h {
                let same = e.nameEscaped ? Self.decodedName(e, bytes).withUnsafeBufferPointer { Self.nameEquals(entries[i], $0, bytes) }
                    : Self.nameEquals(entries[i], Self.nameBytes(e, bytes), bytes)
                if same { return false }
            }
            k += 1
            i = Int(entries[i].next)
        }
        return true
    }

    mutating func append(_ e: Entry) -> Int {
        entries.append(e)
        return entries.count - 1
    }

    mutating func close(_ index: Int, valueEnd: Int, kind: JSONObject.Kind, escaped: Bool = false) {
        entries[index].valueEnd = Int32(valueEnd)
        entries[index].kind = kind
        entries[index].valueEscaped = escaped
        entries[index].next = Int32(entries.count)
    }
}
