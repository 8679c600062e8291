import CCrypto
import Foundation
import RcomCore
import RcomReactor
import RcomStore

/// What an API key may do. A request names the one scope it needs; a key without it gets 403.
public enum APIScope: String, CaseIterable, Sendable {
    case eventsWrite = "events:write"
    case clientsWrite = "clients:write"
    case read

    /// A word `--scope` does not know (empty: none given).
    public struct Unknown: Error { public let word: String }

    /// `events:write,clients:write,read`, or the first unknown word.
    public static func parse(_ text: String) -> Result<[APIScope], Unknown> {
        var out: [APIScope] = []
        for word in text.split(separator: ",", omittingEmptySubsequences: false) {
            let w = word.trimmingCharacters(in: .whitespaces)
            guard let s = APIScope(rawValue: w) else { return .failure(Unknown(word: w)) }
            if !out.contains(s) { out.append(s) }
        }
        return out.isEmpty ? .failure(Unknown(word: "")) : .success(out)
    }
}

/// One stored key (its hash never leaves the store but for the lookup).
public struct APIKeyRow: Sendable, Equatable {
    public let id: String
    public let name: String
    public let scopes: [APIScope]
    public let createdAt_ms: Int64
    public let revokedAt_ms: Int64?
}

/// Keys: made from the system's entropy, kept as their SHA-256 (libcrypto's EVP, no crypto of
/// our own). A presented key is hashed and looked up by its hash: the comparison the store
/// makes is between two hashes, so how long it takes says nothing about the key.
public enum APIKeys {
    /// `rk_` and 256 random bits in hex: 67 bytes, the only form `Bearer` accepts.
    public static func generate(_ entropy: EntropySource = SystemEntropy()) -> String {
        "rk_" + entropy.hexToken(bits: 256)
    }

    /// Whether `text` has the shape of a key (checked before hashing: anything else is 401 at once).
    public static func wellFormed(_ text: Substring) -> Bool {
        text.utf8.count == 67 && text.hasPrefix("rk_")
            && text.utf8.dropFirst(3).allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// Lower-case hex SHA-256 of `key`'s bytes.
    public static func hash(_ key: some StringProtocol) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let bytes = Array(key.utf8)
        let ok = bytes.withUnsafeBufferPointer { b in
            digest.withUnsafeMutableBufferPointer { d in EVP_Digest(b.baseAddress, b.count, d.baseAddress, &length, EVP_sha256(), nil) }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        return String(decoding: digest.prefix(32).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }

    // MARK: the store (schema 10), one SQL text on both backends

    public enum CreateResult: Equatable { case created(id: String), nameTaken }

    public static func create(_ db: ClientSQL, name: String, scopes: [APIScope], hash: String, id: String, now_ms: Int64) throws(StoreError) -> CreateResult {
        let changed = try db.run("""
            INSERT INTO api_keys (id, name, hash, scopes, created_at_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING
            """, [.text(id), .text(name), .text(hash), .text(scopes.map(\.rawValue).joined(separator: ",")), .int(now_ms)])
        return changed == 1 ? .created(id: id) : .nameTaken
    }

    public static func list(_ db: ClientSQL) throws(StoreError) -> [APIKeyRow] {
        try db.rows("SELECT id, name, scopes, created_at_ms, revoked_at_ms FROM api_keys ORDER BY name", []).map(row)
    }

    /// Revokes the key named (or with id) `nameOrID`; false when there is none not yet revoked.
    public static func revoke(_ db: ClientSQL, _ nameOrID: String, now_ms: Int64) throws(StoreError) -> Bool {
        try db.run("UPDATE api_keys SET revoked_at_ms = $1 WHERE (name = $2 OR id = $2) AND revoked_at_ms IS NULL",
                   [.int(now_ms), .text(nameOrID)]) == 1
    }

    /// The key whose hash is `hash`, revoked or not.
    public static func lookup(_ db: ClientSQL, hash: String) throws(StoreError) -> APIKeyRow? {
        try db.rows("SELECT id, name, scopes, created_at_ms, revoked_at_ms FROM api_keys WHERE hash = $1", [.text(hash)]).first.map(row)
    }

    private static func row(_ r: [String?]) -> APIKeyRow {
        APIKeyRow(id: r[0] ?? "", name: r[1] ?? "", scopes: (try? APIScope.parse(r[2] ?? "").get()) ?? [],
                  createdAt_ms: Int64(r[3] ?? "") ?? 0, revokedAt_ms: r[4].flatMap { Int64($0) })
    }
}
