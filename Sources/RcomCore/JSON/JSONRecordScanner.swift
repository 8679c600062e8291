/// Finds the records of a JSON document that arrives in chunks, without ever holding the
/// document: a provider's export of 500,000 bounces is one array of 500,000 objects, and the
/// importer wants one object at a time, in bounded memory. Sans-IO: the caller reads the file
/// and feeds the bytes; the scanner says where each record starts and ends.
///
/// It checks the document's structure (brackets that match, strings that end, members with a
/// name and a colon, commas between values) and nothing finer: each record's bytes then go to
/// the strict reader (`JSONObject.parse`), which validates them whole. Scalars outside records
/// (a page's `TotalCount`, `NextToken`) are skipped as runs of number/literal bytes.
/// Nesting is bounded by `JSONObject.depthMax`; an error carries the byte offset where it was
/// found, and `finish()` reports a document cut short at the end of the input.
public struct JSONRecordScanner: Sendable {
    /// Where the records sit in the document. Several top-level values may follow one another
    /// (pages saved one after the other, or one document per line): each is read the same way.
    public enum Layout: Sendable, Equatable {
        /// Each top-level value is one record (JSON lines; concatenated notifications).
        case topLevelObjects
        /// Each element of a top-level array is a record: `[{…}, {…}]`.
        case arrayElements
        /// Each element of the array under this member of a top-level object is a record:
        /// `{"items": [{…}, {…}], "paging": {…}}`.
        case memberElements(String)
    }

    /// A record boundary inside the chunk just scanned: `start` is the index of its `{`,
    /// `end` the index just past its `}`.
    public enum Edge: Equatable, Sendable {
        case start(Int)
        case end(Int)
    }

    private enum Expect: UInt8 { case value, valueOrClose, key, keyOrClose, colon, commaOrClose }

    public let layout: Layout
    private let memberName: [UInt8]
    /// Open containers, innermost last: true for an object.
    private var stack: [Bool] = []
    private var expect = Expect.value
    private var inString = false
    private var escaped = false
    private var stringIsName = false
    private var inScalar = false
    /// The string being read is a member name of a top-level object (compared with
    /// `memberName`, and remembered for format detection).
    private var readingTopKey = false
    private var topKey: [UInt8] = []
    private var topKeyMatches = false
    /// Stack depth just outside the record being read; nil between records.
    private var recordDepth: Int?
    /// Inside a record: only its strings and brackets are followed (`scanRecordBody`).
    private var fastRecord = false
    /// Bytes scanned before the current chunk: error offsets are file offsets.
    public private(set) var offset: Int64 = 0
    public private(set) var topLevelValues = 0
    /// The first member names of the first top-level object (at most `namesMax`, each cut at
    /// 64 bytes), for telling one provider's export from another's.
    public private(set) var firstObjectNames: [String] = []
    public static let namesMax = 16

    public init(layout: Layout) {
        self.layout = layout
        if case .memberElements(let name) = layout { memberName = Array(name.utf8) } else { memberName = [] }
    }

    private func fail(_ message: String, at i: Int) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: Int(offset) + i)
    }

    /// Scans the next chunk; `edge` is called for each record boundary in it, in order.
    public mutating func scan(_ p: UnsafeBufferPointer<UInt8>, edge: (Edge) -> Void) throws(JSONSyntaxError) {
        var i = 0
        let n = p.count
        while i < n {
            if fastRecord {
                i = try scanRecordBody(p, from: i, edge: edge)
                continue
            }
            if inString && !escaped && !readingTopKey {
                // Most of an export's bytes are string contents: skip them a word at a time.
                while i + 8 <= n, JSONTape.isStringFiller(UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                }
                guard i < n else { break }
            }
            let c = p[i]
            if inString {
                if escaped { escaped = false; i += 1; continue }
                if c == 0x5c { escaped = true; i += 1; continue }               // backslash
                if c == 0x22 {                                                   // closing quote
                    inString = false
                    i += 1
                    if stringIsName {
                        if readingTopKey { endTopKey() }
                    } else {
                        try closeValue(at: i, edge: edge)
                    }
                    continue
                }
                if c < 0x20 { throw fail("control character in a string", at: i) }
                if readingTopKey && topKey.count < 64 { topKey.append(c) }
                i += 1
                continue
            }
            if inScalar {
                if Self.isScalarByte(c) { i += 1; continue }
                inScalar = false
                try closeValue(at: i, edge: edge)
                continue  // the byte after the scalar is looked at again
            }
            switch c {
            case 0x20, 0x09, 0x0a, 0x0d:
                break
            case 0x22:  // a string: a value, or a member name
                if expect == .key || expect == .keyOrClose {
                    inString = true
                    stringIsName = true
                    readingTopKey = stack.count == 1
                    if readingTopKey { topKey.removeAll(keepingCapacity: true) }
                    expect = .colon
                } else {
                    try openValue(at: i, byte: c, edge: edge)
                    inString = true
                    stringIsName = false
                }
            case 0x7b, 0x5b:  // { [
                try openValue(at: i, byte: c, edge: edge)
                guard stack.count < JSONObject.depthMax else { throw fail("nested deeper than \(JSONObject.depthMax) levels", at: i) }
                stack.append(c == 0x7b)
                expect = c == 0x7b ? .keyOrClose : .valueOrClose
            case 0x7d, 0x5d:  // } ]
                let isObject = c == 0x7d
                guard let top = stack.last, top == isObject else { throw fail("unexpected '\(isObject ? "}" : "]")'", at: i) }
                guard expect == .commaOrClose || expect == (isObject ? .keyOrClose : .valueOrClose) else {
                    throw fail(expect == .colon ? "expected ':'" : "trailing comma or missing value", at: i)
                }
                stack.removeLast()
                try closeValue(at: i + 1, edge: edge)
            case 0x2c:  // ,
                guard expect == .commaOrClose, let top = stack.last else { throw fail("unexpected ','", at: i) }
                expect = top ? .key : .value
            case 0x3a:  // :
                guard expect == .colon else { throw fail("unexpected ':'", at: i) }
                expect = .value
            default:
                guard Self.isScalarByte(c) else { throw fail("unexpected byte 0x\(String(c, radix: 16))", at: i) }
                try openValue(at: i, byte: c, edge: edge)
                inScalar = true
            }
            i += 1
        }
        offset += Int64(n)
    }

    /// The input ended: anything still open means the document was cut short.
    public mutating func finish() throws(JSONSyntaxError) {
        if inScalar {
            inScalar = false
            try closeValue(at: 0, edge: { _ in })
        }
        if inString || !stack.isEmpty {
            throw JSONSyntaxError(message: "the document ends inside \(inString ? "a string" : (stack.last! ? "an object" : "an array")) " +
                                  "(truncated?)", offset: Int(offset))
        }
        if expect == .colon { throw JSONSyntaxError(message: "the document ends after a member name", offset: Int(offset)) }
        if topLevelValues == 0 { throw JSONSyntaxError(message: "no JSON value in the input", offset: Int(offset)) }
    }

    private static func isScalarByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c == 0x2d || c == 0x2b || c == 0x2e
    }

    private mutating func endTopKey() {
        readingTopKey = false
        topKeyMatches = !memberName.isEmpty && topKey == memberName
        if topLevelValues == 1 && firstObjectNames.count < Self.namesMax {
            firstObjectNames.append(String(decoding: topKey, as: UTF8.self))
        }
    }

    /// A value begins at `i`: check that one may, and whether it starts a record.
    private mutating func openValue(at i: Int, byte: UInt8, edge: (Edge) -> Void) throws(JSONSyntaxError) {
        guard expect == .value || expect == .valueOrClose || (stack.isEmpty && expect == .commaOrClose) else {
            throw fail(expect == .colon ? "expected ':'" : (expect == .commaOrClose ? "expected ',' or a closing bracket" : "expected a member name"), at: i)
        }
        if stack.isEmpty {
            topLevelValues += 1
            switch layout {
            case .topLevelObjects, .memberElements:
                guard byte == 0x7b else { throw fail("expected a JSON object", at: i) }
            case .arrayElements:
                guard byte == 0x5b else { throw fail("expected a JSON array", at: i) }
            }
        }
        guard recordDepth == nil else { return }
        let atRecord: Bool
        switch layout {
        case .topLevelObjects: atRecord = stack.isEmpty
        case .arrayElements: atRecord = stack.count == 1
        case .memberElements: atRecord = stack.count == 2 && topKeyMatches && stack[0] && !stack[1]
        }
        guard atRecord else {
            if case .memberElements = layout, stack.count == 1, topKeyMatches, byte != 0x5b {
                throw fail("expected an array of records", at: i)
            }
            return
        }
        guard byte == 0x7b else { throw fail("expected a record (a JSON object)", at: i) }
        recordDepth = stack.count
        // The first top-level object of JSON lines is read byte by byte: format detection wants
        // its member names.
        fastRecord = !(layout == .topLevelObjects && topLevelValues == 1)
        edge(.start(i))
    }

    /// Inside a record, from `start`: follows strings (a raw control character in one is still
    /// an error here: it means a quote is missing, and would shift every record after it) and
    /// brackets (matched, nesting bounded), and leaves the rest of the grammar (commas, colons,
    /// scalars) to the strict reader that reads the record, which reports a record broken there
    /// as malformed. Runs of other bytes are skipped a word at a time. Returns where it stopped:
    /// the end of the chunk, or just past the record.
    private mutating func scanRecordBody(_ p: UnsafeBufferPointer<UInt8>, from start: Int,
                                         edge: (Edge) -> Void) throws(JSONSyntaxError) -> Int {
        let base = UnsafeRawPointer(p.baseAddress!)
        let n = p.count
        var i = start
        while i < n {
            if inString {
                if escaped { escaped = false; i += 1; continue }
                while i + 8 <= n, JSONTape.isStringFiller(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i += 8 }
                while i < n, p[i] != 0x22, p[i] != 0x5c, p[i] >= 0x20 { i += 1 }
                guard i < n else { break }
                switch p[i] {
                case 0x5c: escaped = true
                case 0x22: inString = false
                default: throw fail("control character in a string", at: i)
                }
                i += 1
                continue
            }
            while i + 8 <= n, Self.isRecordFiller(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i += 8 }
            guard i < n else { break }
            let c = p[i]
            switch c {
            case 0x22:
                inString = true
            case 0x7b, 0x5b:
                guard stack.count < JSONObject.depthMax else { throw fail("nested deeper than \(JSONObject.depthMax) levels", at: i) }
                stack.append(c == 0x7b)
            case 0x7d, 0x5d:
                let isObject = c == 0x7d
                guard let top = stack.last, top == isObject else { throw fail("unexpected '\(isObject ? "}" : "]")'", at: i) }
                stack.removeLast()
                if stack.count == recordDepth {
                    fastRecord = false
                    try closeValue(at: i + 1, edge: edge)
                    return i + 1
                }
            default:
                break
            }
            i += 1
        }
        return n
    }

    /// No quote and no bracket among the 8 bytes of `w` (`{` and `[`, `}` and `]` differ only
    /// in bit 5: one comparison each with that bit set).
    @inline(__always)
    private static func isRecordFiller(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22), open = (w | ones &* 0x20) ^ (ones &* 0x7B), close = (w | ones &* 0x20) ^ (ones &* 0x7D)
        return ((quote &- ones) & ~quote | (open &- ones) & ~open | (close &- ones) & ~close) & highs == 0
    }

    /// A value ended just before `end`.
    private mutating func closeValue(at end: Int, edge: (Edge) -> Void) throws(JSONSyntaxError) {
        expect = .commaOrClose
        if let depth = recordDepth, stack.count == depth {
            recordDepth = nil
            edge(.end(end))
        }
    }
}
