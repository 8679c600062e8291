import XCTest
@testable import RcomCore

/// The independent model (Fuzz/HTTPDiffFuzz/HTTPDiffModel.swift) against the fixtures' verdicts
/// (to check the model itself) and against the decoder, on every fixture and on seeded mutations.
final class ConformanceModelDiffTests: XCTestCase {
    /// Fixed, so every run checks the same inputs; RCOM_CONFORMANCE_SEED (hex) tries others.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["RCOM_CONFORMANCE_SEED"]
        .flatMap { UInt64($0, radix: 16) } ?? 0x5EED_C0DE_2026
    static let mutations = 4000

    /// The model must give every fixture its table verdict; otherwise one of them is wrong.
    func testModelAgreesWithTheFixtures() {
        var disagreements: [String] = []
        for c in Conformance.requestCases {
            let m = DiffModel.parse(c.input, limits: HTTPDiff.modelLimits(c.limits))
            let ok: Bool
            switch c.verdict {
            case .accept(let e):
                ok = m.messages.count == 1 && m.closeAllowed && modelMatches(m.messages[0], e)
            case .reject(let status):
                ok = m.messages.isEmpty && !m.closeAllowed && m.faults.contains { $0.status == status }
            }
            if !ok { disagreements.append("[\(c.cls.rawValue)] \(c.name): model \(HTTPDiff.describe(m))") }
        }
        print("Model vs fixtures: \(Conformance.requestCases.count) cases, \(disagreements.count) disagree")
        for d in disagreements { XCTFail(d) }
    }

    func testDecoderAgreesWithTheModel() {
        var rng = ConformanceMutator(seed: Self.seed)
        var inputs = Conformance.requestCases.map { ($0.input, $0.limits) }
        for i in 0..<Self.mutations {
            let c = Conformance.requestCases[rng.below(Conformance.requestCases.count)]
            // Every fourth under the fuzzer's small bounds, so that 413, 414 and 431 are reached.
            inputs.append((rng.mutate(c.input), i % 4 == 3 ? HTTPDiff.smallLimits : c.limits))
        }
        var byClass: [String: [String]] = [:]
        var agreements = 0
        var uncompared = 0
        for (index, (input, limits)) in inputs.enumerated() {
            let model = DiffModel.parse(input, limits: HTTPDiff.modelLimits(limits))
            if model.uncertain { uncompared += 1 }
            let cut = rng.below(input.count + 1)
            var feedings: [(String, [Int])] = [("whole", []), ("split at \(cut)", [cut])]
            if input.count <= 512 { feedings.append(("byte by byte", Array(1..<max(1, input.count)))) }
            var found: DiffDisagreement?
            var how = ""
            for (label, cuts) in feedings where found == nil {
                found = HTTPDiff.compare(model, HTTPDiff.runDecoder(input, cuts: cuts, limits: limits))
                how = label
            }
            guard let d = found else { agreements += 1; continue }
            let origin = index < Conformance.requestCases.count ? "fixture \(Conformance.requestCases[index].name)" : "mutation \(index)"
            byClass[d.cls, default: []].append("\(origin) fed \(how): input \(Conformance.escape(input))\n    \(d.detail)")
        }
        let total = byClass.values.map(\.count).reduce(0, +)
        print("Model vs decoder (seed 0x\(String(Self.seed, radix: 16))): \(inputs.count) inputs "
              + "(\(Conformance.requestCases.count) fixtures, \(Self.mutations) mutations), \(agreements) agree "
              + "(\(uncompared) of them not compared: a choice the table leaves open), \(total) disagree"
              + byClass.keys.sorted().map { " | \($0): \(byClass[$0]!.count)" }.joined())
        for cls in byClass.keys.sorted() {
            // A handful per class is enough to see the pattern; the count says how common it is.
            for example in byClass[cls]!.prefix(5) { XCTFail("[\(cls)] \(example)") }
        }
    }

    private func modelMatches(_ m: DiffModelRequest, _ e: Conformance.ExpectedRequest) -> Bool {
        var headers = HTTPHeaders()
        for f in m.fields { headers.add(f.name, f.value) }
        return m.method == e.method && m.target == e.target && m.version == e.version.rawValue && m.body == e.body
            && Conformance.fieldsMatch(headers, e.fields)
    }
}
