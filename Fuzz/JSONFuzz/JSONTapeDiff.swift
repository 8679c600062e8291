// The tape reader (`JSONTape`, what rcom blacklist reads provider records with) against
// `JSONObject`, on every input of the JSON fuzz target: both must accept the same texts and
// refuse the others with the same message at the same byte; when both accept, the tape's
// top-level members are JSONObject's (names decoded, value ranges, kinds, string values), and
// every entry's children lie inside it, in order.
func checkTape(_ bytes: [UInt8], _ ours: Result<JSONObject, JSONSyntaxError>) {
    var tape = JSONTape()
    let refused = bytes.withUnsafeBufferPointer { tape.parse($0) }
    switch (ours, refused) {
    case (.failure(let e), let t?):
        if e != t { fatalError("JSON diff: tape refuses with \(t), JSONObject with \(e)") }
    case (.failure(let e), nil):
        fatalError("JSON diff: tape accepts what JSONObject refuses (\(e))")
    case (.success, let t?):
        fatalError("JSON diff: tape refuses what JSONObject accepts (\(t))")
    case (.success(let o), nil):
        bytes.withUnsafeBufferPointer { p in
            let top = Array(tape.children(of: 0))
            guard top.count == o.members.count else { fatalError("JSON diff: tape has \(top.count) members, JSONObject \(o.members.count)") }
            for (i, m) in zip(top, o.members) {
                let e = tape.entries[i]
                guard JSONTape.decodedName(e, p) == Array(m.name.utf8) else { fatalError("JSON diff: tape name differs for \(m.name.debugDescription)") }
                guard e.value == m.value, e.kind == m.kind else { fatalError("JSON diff: tape value or kind differs for \(m.name.debugDescription)") }
                if m.kind == .string {
                    var decoded: [UInt8] = []
                    JSONTape.appendString(e, p, to: &decoded)
                    guard decoded == Array(o.string(m)!.utf8) else { fatalError("JSON diff: tape string differs for \(m.name.debugDescription)") }
                }
            }
            for (i, e) in tape.entries.enumerated() {
                guard Int(e.next) > i, Int(e.next) <= tape.entries.count, e.valueStart < e.valueEnd, Int(e.valueEnd) <= p.count else {
                    fatalError("JSON diff: tape entry \(i) out of bounds")
                }
                if e.parent >= 0 {
                    let parent = tape.entries[Int(e.parent)]
                    guard parent.valueStart < e.valueStart, e.valueEnd < parent.valueEnd, Int(e.next) <= Int(parent.next) else {
                        fatalError("JSON diff: tape entry \(i) outside its container")
                    }
                }
            }
            if tape.hasRepeatedNames(0, in: p) { fatalError("JSON diff: tape sees repeated names JSONObject accepted") }
            // A nested object read on its own: JSONObject refuses it only for repeated names.
            for (i, e) in tape.entries.enumerated() where i > 0 && e.kind == .object {
                let alone = JSONObject.parse(Array(bytes[e.value]))
                let refusedAlone: Bool
                if case .failure = alone { refusedAlone = true } else { refusedAlone = false }
                if refusedAlone != tape.hasRepeatedNames(i, in: p) { fatalError("JSON diff: tape's repeated names of a nested object differ") }
            }
        }
    }
}
