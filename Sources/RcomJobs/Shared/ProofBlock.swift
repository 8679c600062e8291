import Foundation
import RcomCore

/// The jobclient's proof: base64 of gzip of a JSON array of `[id, startedAt, proof]` triples,
/// one per job, printed wrapped under a `Proof:` line.
public struct ProofBlock: Equatable, Sendable {
    public struct Job: Equatable, Sendable {
        public let id: String
        public let startedAt: String
        public let proof: String
        public init(id: String, startedAt: String, proof: String) {
            self.id = id
            self.startedAt = startedAt
            self.proof = proof
        }
    }

    public let jobs: [Job]
    public init(jobs: [Job]) { self.jobs = jobs }

    public func encoded(lineWidth: Int = 76) -> String {
        let json = "[" + jobs.map { "[\(JSONText.quote($0.id)),\(JSONText.quote($0.startedAt)),\(JSONText.quote($0.proof))]" }
            .joined(separator: ",") + "]"
        let b64 = Data(Gzip.compress(Array(json.utf8))).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(b64)
        while !rest.isEmpty {
            lines.append(rest.prefix(lineWidth))
            rest = rest.dropFirst(lineWidth)
        }
        return lines.joined(separator: "\n")
    }

    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case noBlock, notBase64, notGzip, notJSON(String)
        public var description: String {
            switch self {
            case .noBlock: return "no proof block found (expected base64 text after a 'Proof' line, or the bare block)"
            case .notBase64: return "the proof block is not valid base64"
            case .notGzip: return "the proof block does not decompress as gzip"
            case .notJSON(let why): return "the decompressed proof is not a JSON array of [id, startedAt, proof]: \(why)"
            }
        }
    }

    /// Accepts the bare block or a whole jobclient output (the block follows the line starting `Proof`).
    public static func decode(_ text: String) -> Result<ProofBlock, DecodeError> {
        var lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if let marker = lines.firstIndex(where: { $0.hasPrefix("Proof") }) {
            lines = Array(lines[(marker + 1)...])
        }
        let isB64: (String) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=" } }
        let block = lines.drop { !isB64($0) }.prefix(while: isB64).joined()
        guard !block.isEmpty else { return .failure(.noBlock) }
        guard let data = Data(base64Encoded: block) else { return .failure(.notBase64) }
        guard let raw = Gzip.decompress(Array(data)) else { return .failure(.notGzip) }
        guard let array = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [Any] else {
            return .failure(.notJSON("not an array"))
        }
        var jobs: [Job] = []
        for (i, item) in array.enumerated() {
            guard let t = item as? [String], t.count == 3 else { return .failure(.notJSON("entry \(i + 1) is not three strings")) }
            jobs.append(Job(id: t[0], startedAt: t[1], proof: t[2]))
        }
        return .success(ProofBlock(jobs: jobs))
    }
}
