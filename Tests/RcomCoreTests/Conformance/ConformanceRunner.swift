@testable import RcomCore

/// Runs the fixtures through the decoders. Each case is fed in every variant: alone, after a
/// valid request (requests only), and followed by a valid next message; each one whole and one
/// byte per `receive`. A case agrees only if every variant gives its verdict.
extension Conformance {
    /// One event the decoder should produce.
    enum Want<Expected> {
        case message(Expected)
        /// nil kind: not compared.
        case error(status: Int, kind: HTTPParseError.Kind?)
        case closed
    }

    struct Disagreement {
        let name: String
        let cls: Cls
        let rfc: String
        let input: [UInt8]
        let expected: String
        let got: String
        /// Every variant that disagreed, e.g. "alone/whole", "after a valid request/byte by byte".
        let variants: [String]

        var text: String {
            "[\(cls.rawValue)] \(name) (RFC \(rfc)) input \(escape(input))\n  expected: \(expected)\n"
                + "  got: \(got)\n  in: \(variants.joined(separator: ", "))"
        }
    }

    struct Report {
        var cases = 0
        var disagreements: [Disagreement] = []

        var summary: String {
            var byClass: [Cls: [String]] = [:]
            for d in disagreements { byClass[d.cls, default: []].append(d.name) }
            let groups = Cls.allCases.compactMap { cls in
                byClass[cls].map { "\(cls.rawValue): \($0.count) (\($0.joined(separator: "; ")))" }
            }
            return "\(cases) cases, \(cases - disagreements.count) agree, \(disagreements.count) disagree"
                + (groups.isEmpty ? "" : " — " + groups.joined(separator: " | "))
        }
    }

    /// The decoder's events for `input`, without `.expectContinue` (it depends on the split); EOF
    /// is fed afterwards when `eof`. `beforeEOF` counts the events that came from the bytes alone.
    static func events<D: HTTPTestDecoder>(_ decoder: inout D, _ input: [UInt8], _ feeding: Feeding,
                                          eof: Bool) -> (events: [HTTPDecoderEvent<D.Message>], beforeEOF: Int) {
        var out = messagesOnly(drive(&decoder, input, feeding, eof: false))
        let before = out.count
        let finished = out.last.map { if case .message = $0 { false } else { true } } ?? false
        if eof && !finished { out += messagesOnly(drive(&decoder, [], .whole, eof: true)) }
        return (out, before)
    }

    static func matches<M, E>(_ got: [HTTPDecoderEvent<M>], _ want: [Want<E>], _ same: (M, E) -> Bool) -> Bool {
        guard got.count == want.count else { return false }
        for (g, w) in zip(got, want) {
            switch (g, w) {
            case (.message(let m), .message(let e)) where same(m, e): continue
            case (.error(let e), .error(let status, let kind)) where status == e.status && (kind == nil || kind == e.kind):
                continue
            case (.closed, .closed): continue
            default: return false
            }
        }
        return true
    }

    static func fieldsMatch(_ headers: HTTPHeaders, _ checks: [FieldCheck]) -> Bool {
        var wanted: [String: [String]] = [:]
        var order: [String] = []
        for check in checks {
            switch check {
            case .value(let name, let value):
                let key = name.lowercased()
                if wanted[key] == nil { order.append(name) }
                wanted[key, default: []].append(value)
            case .present(let name):
                if headers.all(name).count != 1 { return false }
            case .absent(let name):
                if !headers.all(name).isEmpty { return false }
            }
        }
        return order.allSatisfy { headers.all($0) == wanted[$0.lowercased()] }
    }

    static func same(_ r: HTTPRequest, _ e: ExpectedRequest) -> Bool {
        r.method == e.method && r.target == e.target && r.version == e.version && r.body == e.body
            && fieldsMatch(r.headers, e.fields)
    }

    static func same(_ r: HTTPResponse, _ e: ExpectedResponse) -> Bool {
        r.status == e.status && r.reason == e.reason && r.version == e.version && r.body == e.body
            && fieldsMatch(r.headers, e.fields)
    }
}

// MARK: - Requests

extension Conformance {
    static let validBefore = b("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    static let validBeforeRequest = ExpectedRequest(method: "GET", target: "/", version: .http11,
                                                    fields: [v("Host", "a")], body: [])
    static let validAfterRequest = ExpectedRequest(method: "GET", target: "/next", version: .http11,
                                                   fields: [v("Host", "n")], body: [])

    static func checkRequests(_ cases: [RequestCase]) -> Report {
        var report = Report()
        for c in cases {
            report.cases += 1
            if let d = check(c) { report.disagreements.append(d) }
        }
        return report
    }

    static func check(_ c: RequestCase) -> Disagreement? {
        let verdict: [Want<ExpectedRequest>]
        switch c.verdict {
        case .accept(let r): verdict = [.message(r), .closed]
        case .reject(let status): verdict = [.error(status: status, kind: c.kind ?? expectedKind(c.cls, status))]
        }
        let accepted = if case .accept = c.verdict { true } else { false }
        // (name, input, expected events, feed EOF)
        var variants: [(String, [UInt8], [Want<ExpectedRequest>], Bool)] = [
            ("alone", c.input, verdict, accepted || c.eof),
            ("after a valid request", validBefore + c.input, [.message(validBeforeRequest)] + verdict, accepted || c.eof),
        ]
        if !c.eof {
            // A rejection must not let the next request's bytes be read; an acceptance must not eat them.
            let next: [Want<ExpectedRequest>] = accepted ? Array(verdict.dropLast()) + [.message(validAfterRequest), .closed]
                                                         : verdict
            variants.append(("followed by a valid request", c.input + nextRequestBytes, next, accepted))
        }
        var failed: [String] = []
        var first: (want: [Want<ExpectedRequest>], got: [HTTPDecoderEvent<HTTPRequest>], note: String)?
        for (label, input, want, eof) in variants {
            for feeding in Feeding.allCases {
                var decoder = HTTPRequestDecoder(limits: c.limits)
                let (got, beforeEOF) = events(&decoder, input, feeding, eof: eof)
                var ok = matches(got, want, same)
                // Requests are always framed: every message must come out before EOF.
                let messages = want.filter { if case .message = $0 { true } else { false } }.count
                if ok && messages > 0 && beforeEOF < messages { ok = false }
                if !ok {
                    failed.append("\(label)/\(feeding)")
                    if first == nil { first = (want, got, beforeEOF < got.count && eof ? " [EOF fed after \(beforeEOF) events]" : "") }
                }
            }
        }
        guard let first else { return nil }
        return Disagreement(name: c.name, cls: c.cls, rfc: c.rfc, input: c.input,
                            expected: first.want.map(describe).joined(separator: ", "),
                            got: describe(first.got) + first.note, variants: failed)
    }

    static func describe(_ w: Want<ExpectedRequest>) -> String {
        switch w {
        case .message(let r):
            "message \(r.method) \(r.target) \(r.version.rawValue) \(describe(r.fields)) body \(escape(r.body))"
        case .error(let status, let kind): "error \(status)" + (kind.map { " (\($0))" } ?? "")
        case .closed: "closed"
        }
    }

    /// The error kinds of the table's preamble.
    static func expectedKind(_ cls: Cls, _ status: Int) -> HTTPParseError.Kind {
        switch (cls, status) {
        case (.eof, _): .truncated
        case (_, 413), (_, 414), (_, 431): .tooLarge
        case (_, 501), (_, 505): .unsupported
        case (_, 417): .expectation
        default: .malformed
        }
    }
}

// MARK: - Responses

extension Conformance {
    static func checkResponses(_ cases: [ResponseCase]) -> Report {
        var report = Report()
        for c in cases {
            report.cases += 1
            if let d = check(c) { report.disagreements.append(d) }
        }
        return report
    }

    static let nextExpectedResponse = res(200, "OK", fields: [v("Content-Length", "4")], body: b("next"))

    static func check(_ c: ResponseCase) -> Disagreement? {
        let verdict: [Want<ExpectedResponse>]
        let accepted: Bool
        switch c.verdict {
        case .accept(let rs):
            verdict = rs.map { .message($0) } + [.closed]
            accepted = true
        case .reject:
            // The table: a broken peer, answered 502; a truncated one is `truncated`.
            verdict = [.error(status: 502, kind: c.cls == .eof ? .truncated : nil)]
            accepted = false
        }
        // (name, input, heads, expected events, feed EOF)
        var variants: [(String, [UInt8], [Bool], [Want<ExpectedResponse>], Bool)] = [
            ("alone", c.input, c.heads, verdict, accepted || c.eof),
        ]
        if !c.eof && !c.untilEOF {
            let next: [Want<ExpectedResponse>] = accepted
                ? Array(verdict.dropLast()) + [.message(nextExpectedResponse), .closed] : verdict
            variants.append(("followed by a valid response", c.input + nextResponseBytes, c.heads + [false], next, accepted))
        }
        var failed: [String] = []
        var first: (want: [Want<ExpectedResponse>], got: [HTTPDecoderEvent<HTTPResponse>], note: String)?
        for (label, input, heads, want, eof) in variants {
            for feeding in Feeding.allCases {
                var decoder = HTTPResponseDecoder(limits: c.limits)
                for h in heads { decoder.requestSent(isHead: h) }
                let (got, beforeEOF) = events(&decoder, input, feeding, eof: eof)
                var ok = matches(got, want, same)
                var note = ""
                let messages = want.filter { if case .message = $0 { true } else { false } }.count
                // A body read until close cannot be complete before EOF; every other one must be.
                let wantBefore = c.untilEOF && label == "alone" ? messages - 1 : messages
                if ok && accepted && beforeEOF != wantBefore {
                    ok = false
                    note = " [\(beforeEOF) messages before EOF, expected \(wantBefore)]"
                }
                if !ok {
                    failed.append("\(label)/\(feeding)")
                    if first == nil { first = (want, got, note) }
                }
            }
        }
        guard let first else { return nil }
        return Disagreement(name: c.name, cls: c.cls, rfc: c.rfc, input: c.input,
                            expected: first.want.map(describe).joined(separator: ", ")
                                + (c.heads.isEmpty ? "" : " (HEAD requests: \(c.heads))"),
                            got: describe(first.got) + first.note, variants: failed)
    }

    static func describe(_ w: Want<ExpectedResponse>) -> String {
        switch w {
        case .message(let r):
            "message \(r.version.rawValue) \(r.status) \(escape(b(r.reason))) \(describe(r.fields)) body \(escape(r.body))"
        case .error(let status, let kind): "error \(status)" + (kind.map { " (\($0))" } ?? "")
        case .closed: "closed"
        }
    }
}
