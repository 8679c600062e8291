import CSSL
import Foundation

/// OpenSSL's client settings, shared by every TLS connection of a run: certificate verification
/// always on (the system's trust store, which OpenSSL reads from `SSL_CERT_FILE` /
/// `SSL_CERT_DIR` when set, plus `caFile` when given), TLS 1.2 or newer. Making one loads the
/// trust store (a few ms), so contexts are cached per CA file for the life of the process.
public final class TLSClientContext: @unchecked Sendable {
    let handle: OpaquePointer

    private init(caFile: String?) throws(TLSError) {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError.openSSL("cannot create a TLS context") }
        handle = ctx
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        guard rcom_ssl_ctx_min_tls12(ctx) == 1 else { throw TLSError.openSSL("cannot require TLS 1.2") }
        // Without a readable system store this fails quietly: then only caFile is trusted.
        _ = SSL_CTX_set_default_verify_paths(ctx)
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                throw TLSError.openSSL("cannot load the CA file \(caFile)")
            }
        }
    }

    deinit { SSL_CTX_free(handle) }

    private static let lock = NSLock()
    /// Bound: one entry per CA file named in the process's settings (one or two).
    nonisolated(unsafe) private static var cache: [String: TLSClientContext] = [:]

    /// The context trusting the system store and `caFile`; made once per CA file.
    public static func shared(caFile: String?) throws(TLSError) -> TLSClientContext {
        lock.lock()
        defer { lock.unlock() }
        let key = caFile ?? ""
        if let c = cache[key] { return c }
        let made = try TLSClientContext(caFile: caFile)
        cache[key] = made
        return made
    }
}

/// A TLS failure, with OpenSSL's reason and (for certificate failures) what to do about it.
public struct TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// Retrying cannot help (an untrusted certificate, a protocol mismatch).
    public let permanent: Bool

    public init(_ message: String, permanent: Bool) {
        self.message = message
        self.permanent = permanent
    }

    public var description: String { message }

    /// `context` followed by OpenSSL's first queued error, if any (the queue is then cleared).
    static func openSSL(_ context: String, permanent: Bool = true) -> TLSError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return TLSError(context, permanent: permanent) }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, buf.count)
        let reason = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return TLSError("\(context): \(reason)", permanent: permanent)
    }
}
