// An independent model of the request side of design/http-verdicts.md, written from the
// RFC 9112 / RFC 9110 ABNF. It shares no code with Sources/RcomCore/HTTP (it imports nothing):
// its only purpose is to be a second reading of the same table, so that scripts/fuzz-http-diff
// and ConformanceModelDiffTests can compare the decoder against it.
//
// Whole-buffer: it sees every byte and the EOF at once, so it is a plain recursive reading, not
// a state machine. Where the table leaves the order of two faults open (a request line that is
// both malformed and followed by too many fields, say), the decoder may fairly report either,
// so the model returns every fault of the unit in which the first one lies: the head (request
// line through the blank line), one chunk-size line, the CRLF after one chunk's data, or the
// trailer section.

struct DiffModelLimits: Sendable {
    var startLineBytesMax = 8 * 1024
    var headerBytesMax = 16 * 1024
    var headerCountMax = 100
    var bodyBytesMax = 1024 * 1024
    var chunkLineBytesMax = 1024
}

struct DiffModelField: Equatable, Sendable {
    var name: String
    var value: String
}

struct DiffModelRequest: Equatable, Sendable {
    var method: String
    var target: String
    /// "HTTP/1.0" or "HTTP/1.1" (1.2 to 1.9 are read as 1.1).
    var version: String
    var fields: [DiffModelField]
    var body: [UInt8]
}

/// One reason to reject, named by the table's class.
struct DiffModelFault: Equatable, Sendable {
    var status: Int
    var cls: String
    var why: String
}

struct DiffModelOutcome: Sendable {
    /// A byte bound was passed by only a few bytes: whether a line's CRLF counts is not the
    /// table's to say, so such an input proves nothing and is not compared.
    var uncertain = false
    /// The requests accepted before the end.
    var messages: [DiffModelRequest]
    /// The input ends cleanly between messages (only CRLFs left).
    var closeAllowed: Bool
    /// Otherwise: any of these statuses is a right answer. Empty when `closeAllowed` alone.
    var faults: [DiffModelFault]
}

enum DiffModel {
    static func parse(_ bytes: [UInt8], limits: DiffModelLimits = DiffModelLimits()) -> DiffModelOutcome {
        var reader = DiffModelReader(b: bytes, limits: limits)
        var outcome = reader.run()
        outcome.uncertain = reader.flags.uncertain
        return outcome
    }
}

// MARK: - Byte classes (RFC 9110 §5.6.2, §5.5; RFC 9112 §3.2)

enum DiffModelBytes {
    static let tchar: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for c in "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8 { t[Int(c)] = true }
        return t
    }()
    static func isTchar(_ c: UInt8) -> Bool { tchar[Int(c)] }
    static func isWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func hex(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x41...0x46: Int(c - 0x41 + 10)
        case 0x61...0x66: Int(c - 0x61 + 10)
        default: nil
        }
    }
    /// field-vchar, SP, HTAB (field-content's bytes; obs-text included).
    static func isFieldByte(_ c: UInt8) -> Bool { c == 0x09 || c == 0x20 || (c >= 0x21 && c != 0x7F) }
    /// qdtext (RFC 9110 §5.6.4).
    static func isQdtext(_ c: UInt8) -> Bool {
        c == 0x09 || c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || c >= 0x80
    }
    /// What may follow a backslash in a quoted-pair.
    static func isQuotedPairByte(_ c: UInt8) -> Bool { c == 0x09 || c == 0x20 || (c >= 0x21 && c != 0x7F) }
    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
}

// MARK: - The reading

/// One line: the content and how it ended. `complete` is false when EOF came first.
struct DiffModelLine {
    var start: Int
    var end: Int          // content end, without the CR of a CRLF
    var next: Int         // first byte after the LF (or the input's end)
    var crlf: Bool
    var complete: Bool
    var isEmpty: Bool { end == start }
}

/// Set while reading; a class so the non-mutating readers can set it.
final class DiffModelFlags {
    var uncertain = false
}

struct DiffModelReader {
    let b: [UInt8]
    let limits: DiffModelLimits
    let flags = DiffModelFlags()
    typealias B = DiffModelBytes

    /// Whether `count` bytes pass a byte bound; within `slack` of it, the input is marked uncertain.
    func over(_ count: Int, _ limit: Int, slack: Int = 4) -> Bool {
        if abs(count - limit) <= slack { flags.uncertain = true }
        return count > limit
    }

    func line(from s: Int) -> DiffModelLine {
        var i = s
        while i < b.count && b[i] != 0x0A { i += 1 }
        if i == b.count {
            // A CR at the very end may be the first half of a CRLF that never came.
            let end = (i > s && b[i - 1] == 0x0D) ? i - 1 : i
            return DiffModelLine(start: s, end: end, next: i, crlf: false, complete: false)
        }
        let crlf = i > s && b[i - 1] == 0x0D
        return DiffModelLine(start: s, end: crlf ? i - 1 : i, next: i + 1, crlf: crlf, complete: true)
    }

    func string(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }

    mutating func run() -> DiffModelOutcome {
        var messages: [DiffModelRequest] = []
        var p = 0
        while true {
            // Between messages: CRLFs are skipped (RFC 9112 §2.2); nothing else is.
            while p + 1 < b.count && b[p] == 0x0D && b[p + 1] == 0x0A { p += 2 }
            if p == b.count { return DiffModelOutcome(messages: messages, closeAllowed: true, faults: []) }
            let first = b[p]
            if first == 0x0D {
                if p + 1 == b.count {
                    // Half a CRLF, then EOF: a clean close or a truncated line, both fair.
                    return DiffModelOutcome(messages: messages, closeAllowed: true,
                                            faults: [DiffModelFault(status: 400, cls: "EOF", why: "lone CR at EOF")])
                }
                // A bare CR: the request line starts here and has it (other faults of that head,
                // a length bound say, are as fair an answer).
            } else if first == 0x0A {
                return end(messages, [DiffModelFault(status: 400, cls: "line ending", why: "bare LF before the request line")])
            }
            if !B.isTchar(first) && first != 0x0D {
                return end(messages, [DiffModelFault(status: 400, cls: "not HTTP", why: "first byte \(first)")])
            }
            switch head(at: p) {
            case .failure(let faults): return end(messages, faults.list)
            case .success(let parsed):
                var request = parsed.request
                switch body(parsed.framing, at: parsed.next) {
                case .failure(let faults): return end(messages, faults.list)
                case .success(let (bytes, next)):
                    request.body = bytes
                    messages.append(request)
                    p = next
                }
            }
        }
    }

    func end(_ messages: [DiffModelRequest], _ faults: [DiffModelFault]) -> DiffModelOutcome {
        DiffModelOutcome(messages: messages, closeAllowed: false, faults: faults)
    }
}

/// A non-empty list of faults, usable as a Result's failure.
struct DiffModelFaults: Error {
    var list: [DiffModelFault]
}

enum DiffModelFraming {
    case none
    case length(Int)
    case chunked
}

// MARK: - The head

extension DiffModelReader {
    struct Head {
        var request: DiffModelRequest
        var framing: DiffModelFraming
        var next: Int
    }

    func head(at start: Int) -> Result<Head, DiffModelFaults> {
        var faults: [DiffModelFault] = []
        func fault(_ status: Int, _ cls: String, _ why: String) {
            faults.append(DiffModelFault(status: status, cls: cls, why: why))
        }
        let first = line(from: start)
        lineEnding(first, "line ending", &faults)
        if over(first.end - first.start, limits.startLineBytesMax) {
            fault(414, "request line", "request line over \(limits.startLineBytesMax) bytes")
        }
        let requestLine = self.requestLine(first.start..<first.end, &faults)
        if !first.complete {
            fault(400, "EOF", "EOF inside the request line")
            return .failure(DiffModelFaults(list: faults))
        }

        // Field lines up to the blank line.
        var fields: [DiffModelField] = []
        var count = 0
        var s = first.next
        var blank: DiffModelLine?
        while blank == nil {
            let l = line(from: s)
            if l.complete && l.isEmpty {
                lineEnding(l, "line ending", &faults)
                blank = l
            } else {
                count += 1
                if count > limits.headerCountMax {
                    fault(431, "header section", "more than \(limits.headerCountMax) fields")
                }
                lineEnding(l, "line ending", &faults)
                if let f = fieldLine(l.start..<l.end, "field line", "field value", &faults), l.complete { fields.append(f) }
            }
            if over(l.next - first.next, limits.headerBytesMax) {
                fault(431, "header section", "header section over \(limits.headerBytesMax) bytes")
            }
            if !l.complete {
                fault(400, "EOF", "EOF inside the header section")
                return .failure(DiffModelFaults(list: faults))
            }
            s = l.next
        }
        guard let blank, let parts = requestLine else { return .failure(DiffModelFaults(list: faults)) }
        let (method, target, major, minor) = parts
        if major != 1 {
            fault(505, "version", "HTTP major version \(major)")
            return .failure(DiffModelFaults(list: faults))
        }
        let version = minor == 0 ? "HTTP/1.0" : "HTTP/1.1"
        let framing = semantics(fields, version: version, &faults)
        if !faults.isEmpty { return .failure(DiffModelFaults(list: faults)) }
        let request = DiffModelRequest(method: method, target: target, version: version, fields: fields, body: [])
        return .success(Head(request: request, framing: framing ?? .none, next: blank.next))
    }

    /// Every line of a head, a chunk-size line or a trailer section must end in CRLF, and a CR
    /// may appear nowhere else (RFC 9112 §2.2, strict).
    func lineEnding(_ l: DiffModelLine, _ cls: String, _ faults: inout [DiffModelFault]) {
        if l.complete && !l.crlf { faults.append(DiffModelFault(status: 400, cls: cls, why: "bare LF")) }
        if b[l.start..<l.end].contains(0x0D) { faults.append(DiffModelFault(status: 400, cls: cls, why: "bare CR")) }
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3). Returns the parts
    /// when the line is well formed (a version with another major number included).
    func requestLine(_ r: Range<Int>, _ faults: inout [DiffModelFault]) -> (String, String, Int, Int)? {
        func fault(_ cls: String, _ why: String) { faults.append(DiffModelFault(status: 400, cls: cls, why: why)) }
        guard let sp1 = b[r].firstIndex(of: 0x20) else { fault("request line", "no SP"); return nil }
        guard let sp2 = b[(sp1 + 1)..<r.upperBound].firstIndex(of: 0x20) else { fault("request line", "one SP"); return nil }
        let method = r.lowerBound..<sp1, target = (sp1 + 1)..<sp2, version = (sp2 + 1)..<r.upperBound
        var ok = true
        if method.isEmpty || !b[method].allSatisfy(B.isTchar) { fault("method", "method not a token"); ok = false }
        if target.isEmpty || !b[target].allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) { fault("target", "target bytes"); ok = false }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT, exactly (RFC 9112 §2.3); a third SP lands here too.
        let v = Array(b[version])
        guard v.count == 8, v[0..<5].elementsEqual("HTTP/".utf8), B.isDigit(v[5]), v[6] == 0x2E, B.isDigit(v[7]) else {
            fault("version", "malformed version")
            return nil
        }
        guard ok else { return nil }
        let m = string(method), t = string(target)
        if !targetForm(t, method: m) { fault("target", "not a form the method allows"); return nil }
        return (m, t, Int(v[5] - 0x30), Int(v[7] - 0x30))
    }

    /// origin-form, absolute-form (http/https), `*` for OPTIONS, authority-form for CONNECT
    /// (RFC 9112 §3.2). CONNECT takes authority-form and nothing else (RFC 9110 §9.3.6).
    func targetForm(_ t: String, method: String) -> Bool {
        let u = Array(t.utf8)
        if method == "CONNECT" { return authorityForm(u) }
        if u.first == 0x2F { return true }
        if t == "*" { return method == "OPTIONS" }
        // The scheme is case-insensitive (RFC 3986 §3.1); an http(s) URI with an empty host is
        // invalid and must be rejected (RFC 9110 §4.2.1).
        let lower = u.map(B.lower)
        for scheme in ["http://", "https://"] where lower.starts(with: scheme.utf8) {
            let authority = u.dropFirst(scheme.utf8.count)
            return !(authority.first.map { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? true)
        }
        return false
    }

    /// authority-form = uri-host ":" port, with a port of at least one digit.
    func authorityForm(_ u: [UInt8]) -> Bool {
        guard let colon = u.lastIndex(of: 0x3A) else { return false }
        let port = u[(colon + 1)...]
        return !port.isEmpty && self.port(port) && colon > 0 && uriHost(u[..<colon])
    }

    /// port = *DIGIT (RFC 3986 §3.2.3) has no bound; refusing more than five digits (no port is
    /// above 65535) is as fair as accepting them, so such an input is not compared.
    func port(_ digits: ArraySlice<UInt8>) -> Bool {
        if digits.count > 5 { flags.uncertain = true }
        return digits.allSatisfy(B.isDigit)
    }

    /// Host = uri-host [ ":" port ] (RFC 9112 §3.2); empty when the target has no authority.
    /// A port after an empty host (":80") is refused: RFC 3986 lets a reg-name be empty, but an
    /// http(s) authority with an empty host is invalid (RFC 9110 §4.2.1).
    func hostValue(_ u: ArraySlice<UInt8>) -> Bool {
        if u.isEmpty { return true }
        // The port's colon is the last one outside an IP-literal's brackets.
        let bracket = u.lastIndex(of: 0x5D) ?? u.startIndex
        if let colon = u[bracket...].lastIndex(of: 0x3A), u.first != 0x5B || colon > bracket {
            return colon > u.startIndex && port(u[(colon + 1)...]) && uriHost(u[..<colon])
        }
        return uriHost(u)
    }

    /// uri-host = IP-literal / IPv4address / reg-name (RFC 3986 §3.2.2), simplified: an
    /// IP-literal is brackets around hex digits, colons and dots.
    func uriHost(_ host: ArraySlice<UInt8>) -> Bool {
        if host.first == 0x5B {
            return host.count > 2 && host.last == 0x5D && host.dropFirst().dropLast().allSatisfy {
                B.hex($0) != nil || $0 == 0x3A || $0 == 0x2E
            }
        }
        // reg-name / IPv4address: unreserved, pct-encoded, sub-delims.
        return host.allSatisfy { c in
            B.isDigit(c) || (B.lower(c) >= 0x61 && B.lower(c) <= 0x7A) || "-._~%!$&'()*+,;=".utf8.contains(c)
        }
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). Nil when faulty.
    func fieldLine(_ r: Range<Int>, _ lineCls: String, _ valueCls: String,
                   _ faults: inout [DiffModelFault]) -> DiffModelField? {
        func fault(_ cls: String, _ why: String) { faults.append(DiffModelFault(status: 400, cls: cls, why: why)) }
        if let c = b[r].first, B.isWS(c) { fault(lineCls, "obs-fold or leading whitespace"); return nil }
        guard let colon = b[r].firstIndex(of: 0x3A) else { fault(lineCls, "no colon"); return nil }
        let name = r.lowerBound..<colon
        if name.isEmpty || !b[name].allSatisfy(B.isTchar) { fault(lineCls, "name not a token"); return nil }
        var v = (colon + 1)..<r.upperBound
        // CR is reported as a line-ending fault; every other CTL here is the value's.
        if !b[v].allSatisfy({ B.isFieldByte($0) || $0 == 0x0D }) { fault(valueCls, "CTL in the value"); return nil }
        if b[v].contains(0x0D) { return nil }
        while let c = b[v].first, B.isWS(c) { v = (v.lowerBound + 1)..<v.upperBound }
        while let c = b[v].last, B.isWS(c) { v = v.lowerBound..<(v.upperBound - 1) }
        return DiffModelField(name: string(name), value: string(v))
    }
}
