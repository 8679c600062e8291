import CCrypto

/// The job server's signature on a finished job: HMAC-SHA-1 over `id|startedAt` under the
/// server's secret, as 40 upper-case hex digits. Without the secret nobody can mint one.
public enum JobProof {
    public static func sign(secret: [UInt8], id: String, startedAt: String) -> String {
        let message = Array("\(id)|\(startedAt)".utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = secret.withUnsafeBytes { key in
            message.withUnsafeBytes { msg in
                HMAC(EVP_sha1(), key.baseAddress, Int32(key.count), msg.bindMemory(to: UInt8.self).baseAddress,
                     msg.count, &digest, &length)
            }
        }
        return hexUpper(digest.prefix(Int(length)))
    }

    public static func verify(secret: [UInt8], id: String, startedAt: String, proof: String) -> Bool {
        let expected = Array(sign(secret: secret, id: id, startedAt: startedAt).utf8)
        let given = Array(proof.utf8)
        guard expected.count == given.count else { return false }
        // Constant-time comparison: a verifier must not leak how many digits matched.
        return CRYPTO_memcmp(expected, given, expected.count) == 0
    }

    public static func isWellFormed(_ proof: String) -> Bool {
        proof.utf8.count == 40 && proof.utf8.allSatisfy { (48...57).contains($0) || (65...70).contains($0) }
    }

    public static func isWellFormedID(_ id: String) -> Bool {
        (1...16).contains(id.utf8.count) && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func hexUpper<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
