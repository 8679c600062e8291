// The second half of the independent request model (see HTTPDiffModel.swift): what the fields
// mean (Host, Expect, framing) and the body (Content-Length, chunked, trailers).

extension DiffModelReader {
    func named(_ fields: [DiffModelField], _ name: String) -> [DiffModelField] {
        fields.filter { $0.name.utf8.map(B.lower).elementsEqual(name.utf8) }
    }

    /// Host (RFC 9112 §3.2), Expect (RFC 9110 §10.1.1), then the framing (RFC 9112 §6.3).
    func semantics(_ fields: [DiffModelField], version: String, _ faults: inout [DiffModelFault]) -> DiffModelFraming? {
        func fault(_ status: Int, _ cls: String, _ why: String) {
            faults.append(DiffModelFault(status: status, cls: cls, why: why))
        }
        let host = named(fields, "host")
        if host.count > 1 { fault(400, "Host", "\(host.count) Host fields") }
        if host.isEmpty && version == "HTTP/1.1" { fault(400, "Host", "no Host in HTTP/1.1") }
        // "... or a Host header field with an invalid field value" (RFC 9112 §3.2, beyond the table).
        if let h = host.first, !hostValue(Array(h.value.utf8)[...]) { fault(400, "Host", "invalid Host value") }
        for expect in named(fields, "expect") where String(decoding: expect.value.utf8.map(B.lower), as: UTF8.self) != "100-continue" {
            fault(417, "Expect", "expectation '\(expect.value)'")
        }

        let te = named(fields, "transfer-encoding"), cl = named(fields, "content-length")
        if !te.isEmpty {
            if !cl.isEmpty { fault(400, "Transfer-Encoding", "with Content-Length") }
            if version == "HTTP/1.0" { fault(400, "Transfer-Encoding", "in HTTP/1.0") }
            // Empty list elements are ignored (RFC 9110 §5.6.1); codings compare case-insensitively.
            let codings = te.flatMap { $0.value.utf8.split(separator: 0x2C, omittingEmptySubsequences: false) }
                .map { trimmed($0) }.filter { !$0.isEmpty }.map { $0.map(B.lower) }
            let chunked = Array("chunked".utf8)
            if codings.contains(where: { !$0.allSatisfy(B.isTchar) }) {
                // A coding with parameters or junk: not plain `chunked`, and not clearly another
                // coding before it either; 400 and 501 are both fair.
                fault(400, "Transfer-Encoding", "coding not a bare token")
                fault(501, "Transfer-Encoding", "coding not a bare token")
                return nil
            }
            if codings.last != chunked { fault(400, "Transfer-Encoding", "final coding not chunked"); return nil }
            if codings.filter({ $0 == chunked }).count > 1 { fault(400, "Transfer-Encoding", "chunked twice"); return nil }
            if codings.count > 1 { fault(501, "Transfer-Encoding", "a coding before chunked"); return nil }
            return .chunked
        }
        guard let length = cl.first else { return DiffModelFraming.none }
        if cl.count > 1 { fault(400, "Content-Length", "\(cl.count) Content-Length fields"); return nil }
        let digits = Array(length.value.utf8)
        guard !digits.isEmpty, digits.allSatisfy(B.isDigit) else { fault(400, "Content-Length", "not 1*DIGIT"); return nil }
        guard let n = boundedValue(digits, radix: 10), n <= limits.bodyBytesMax else {
            fault(413, "Content-Length", "over \(limits.bodyBytesMax)")
            return nil
        }
        return .length(n)
    }

    func trimmed(_ s: Substring.UTF8View) -> [UInt8] {
        var t = s[...]
        while let c = t.first, B.isWS(c) { t = t.dropFirst() }
        while let c = t.last, B.isWS(c) { t = t.dropLast() }
        return Array(t)
    }

    /// The value of digits in `radix`, leading zeros ignored; nil when it is beyond any limit.
    func boundedValue(_ digits: [UInt8], radix: Int) -> Int? {
        var v = 0
        for d in digits {
            let x = radix == 10 ? Int(d - 0x30) : (B.hex(d) ?? 0)
            v = v * radix + x
            if v > 1 << 40 { return nil }
        }
        return v
    }
}

// MARK: - The body

extension DiffModelReader {
    func body(_ framing: DiffModelFraming, at start: Int) -> Result<([UInt8], Int), DiffModelFaults> {
        switch framing {
        case .none:
            return .success(([], start))
        case .length(let n):
            guard start + n <= b.count else {
                return .failure(DiffModelFaults(list: [DiffModelFault(status: 400, cls: "EOF", why: "EOF inside the body")]))
            }
            return .success((Array(b[start..<start + n]), start + n))
        case .chunked:
            return chunked(at: start)
        }
    }

    /// chunked-body = *chunk last-chunk trailer-section CRLF (RFC 9112 §7.1).
    func chunked(at start: Int) -> Result<([UInt8], Int), DiffModelFaults> {
        var body: [UInt8] = []
        var s = start
        func failure(_ status: Int, _ cls: String, _ why: String) -> Result<([UInt8], Int), DiffModelFaults> {
            .failure(DiffModelFaults(list: [DiffModelFault(status: status, cls: cls, why: why)]))
        }
        while true {
            let l = line(from: s)
            var faults: [DiffModelFault] = []
            lineEnding(l, l.complete && !l.crlf ? "chunk line" : "chunk-ext", &faults)
            let size = chunkSizeLine(l.start..<l.end, bodySoFar: body.count, &faults)
            if !l.complete { faults.append(DiffModelFault(status: 400, cls: "EOF", why: "EOF inside a chunk-size line")) }
            guard faults.isEmpty, let size else { return .failure(DiffModelFaults(list: faults)) }
            s = l.next
            if size == 0 {
                return trailers(at: s).map { (body, $0) }
            }
            guard s + size <= b.count else { return failure(400, "EOF", "EOF inside chunk data") }
            body += b[s..<s + size]
            s += size
            guard s < b.count else { return failure(400, "EOF", "EOF after chunk data") }
            guard b[s] == 0x0D else { return failure(400, "chunk data", "chunk data not followed by CR") }
            guard s + 1 < b.count else { return failure(400, "EOF", "EOF after chunk data's CR") }
            guard b[s + 1] == 0x0A else { return failure(400, "chunk data", "chunk data's CR not followed by LF") }
            s += 2
        }
    }

    /// chunk-size [ chunk-ext ]: returns the size when the line is well formed.
    func chunkSizeLine(_ r: Range<Int>, bodySoFar: Int, _ faults: inout [DiffModelFault]) -> Int? {
        func fault(_ status: Int, _ cls: String, _ why: String) {
            faults.append(DiffModelFault(status: status, cls: cls, why: why))
        }
        var i = r.lowerBound
        while i < r.upperBound && B.hex(b[i]) != nil { i += 1 }
        let digits = Array(b[r.lowerBound..<i])
        // Leading zeros are "not counted against any limit" (the table), yet the line's own bound
        // may fairly count every byte it has to hold: where only the zeros pass it, no comparison.
        let zeros = digits.prefix { $0 == 0x30 }.count
        if over(r.count - zeros, limits.chunkLineBytesMax) { fault(400, "chunk line", "chunk line over \(limits.chunkLineBytesMax) bytes") }
        else if r.count > limits.chunkLineBytesMax { flags.uncertain = true }
        if digits.isEmpty { fault(400, "chunk size", "no hex digits") }
        let size = boundedValue(digits, radix: 16)
        if size.map({ bodySoFar + $0 > limits.bodyBytesMax }) ?? true { fault(413, "chunk size", "body over \(limits.bodyBytesMax)") }
        if !chunkExt(i..<r.upperBound) { fault(400, "chunk-ext", "chunk-ext grammar") }
        return faults.isEmpty ? size : nil
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1).
    func chunkExt(_ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        let e = r.upperBound
        func skipBWS(_ j: inout Int) { while j < e && B.isWS(b[j]) { j += 1 } }
        func token(_ j: inout Int) -> Bool {
            let s = j
            while j < e && B.isTchar(b[j]) { j += 1 }
            return j > s
        }
        while i < e {
            var j = i
            skipBWS(&j)
            guard j < e, b[j] == 0x3B else { return false }   // junk, or whitespace with no ";"
            j += 1
            skipBWS(&j)
            guard token(&j) else { return false }
            var k = j
            skipBWS(&k)
            if k < e && b[k] == 0x3D {
                k += 1
                skipBWS(&k)
                if k < e && b[k] == 0x22 {
                    guard let after = quotedString(k, e) else { return false }
                    k = after
                } else if !token(&k) {
                    return false
                }
                i = k
            } else {
                i = j
            }
        }
        return true
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; returns the index after it.
    func quotedString(_ start: Int, _ e: Int) -> Int? {
        var j = start + 1
        while j < e {
            let c = b[j]
            if c == 0x22 { return j + 1 }
            if c == 0x5C {
                guard j + 1 < e, B.isQuotedPairByte(b[j + 1]) else { return nil }
                j += 2
            } else if B.isQdtext(c) {
                j += 1
            } else {
                return nil
            }
        }
        return nil
    }

    /// trailer-section = *( field-line CRLF ), then CRLF (RFC 9112 §7.1.2); validated, dropped.
    func trailers(at start: Int) -> Result<Int, DiffModelFaults> {
        var faults: [DiffModelFault] = []
        var s = start
        while true {
            let l = line(from: s)
            lineEnding(l, "trailers", &faults)
            if over(l.next - start, limits.headerBytesMax) {
                faults.append(DiffModelFault(status: 431, cls: "trailers", why: "trailers over \(limits.headerBytesMax) bytes"))
            }
            if !(l.complete && l.isEmpty) { _ = fieldLine(l.start..<l.end, "trailers", "trailers", &faults) }
            if !l.complete {
                faults.append(DiffModelFault(status: 400, cls: "EOF", why: "EOF inside trailers"))
                return .failure(DiffModelFaults(list: faults))
            }
            if l.isEmpty { return faults.isEmpty ? .success(l.next) : .failure(DiffModelFaults(list: faults)) }
            s = l.next
        }
    }
}
