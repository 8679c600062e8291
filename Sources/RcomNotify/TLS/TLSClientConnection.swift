import CSSL

/// One TLS client connection driven through OpenSSL memory BIOs: ciphertext from the socket
/// goes in with `receive`, ciphertext for the socket comes out of every call, and no socket is
/// touched here, so the owner (the delivery stage's SMTP exchange) keeps the reactor's shape:
/// bytes in, bytes out. The certificate is verified against the context's trust store and
/// `host` (DNS name or IP address) during the handshake.
///
/// Bounds: the input BIO holds only what one `receive` hands in (it is read dry before
/// returning); the output BIO only what one call produced (taken before returning).
final class TLSClientConnection {
    private let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer
    let host: String
    private(set) var isEstablished = false
    private(set) var failed = false

    /// What one step of the connection produced.
    struct Progress {
        /// Ciphertext to write to the socket.
        var send: [UInt8] = []
        /// Decrypted bytes from the peer.
        var plaintext: [UInt8] = []
        /// The handshake completed during this step.
        var established = false
        var error: TLSError?
    }

    init(context: TLSClientContext, host: String) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.handle) else { throw TLSError.openSSL("cannot create a TLS connection") }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.openSSL("cannot create TLS buffers")
        }
        SSL_set_bio(ssl, input, output)  // the SSL owns both BIOs from here
        self.ssl = ssl
        self.input = input
        self.output = output
        self.host = host
        SSL_set_connect_state(ssl)
        guard rcom_ssl_expect_host(ssl, host) == 1 else { throw TLSError.openSSL("cannot set the expected host \(host)") }
    }

    deinit { SSL_free(ssl) }

    /// Starts the handshake: the ClientHello to send.
    func start() -> Progress { handshake(Progress()) }

    /// Ciphertext from the peer.
    func receive(_ bytes: [UInt8]) -> Progress {
        guard !failed else { return Progress() }
        var p = Progress()
        if !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) }
            precondition(written == Int32(bytes.count), "a memory BIO takes everything")
        }
        if !isEstablished {
            p = handshake(p)
            guard isEstablished, p.error == nil else { return p }
        }
        readPlaintext(&p)
        return p
    }

    /// Plaintext to encrypt; the ciphertext comes back (empty before the handshake is done,
    /// which an owner never asks for).
    func send(_ plaintext: [UInt8]) -> Progress {
        var p = Progress()
        guard isEstablished, !failed, !plaintext.isEmpty else { return p }
        ERR_clear_error()
        let n = plaintext.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        if n != Int32(plaintext.count) { fail(&p, TLSError.openSSL("TLS write failed", permanent: false)) }
        drainOutput(&p)
        return p
    }

    private func handshake(_ progress: Progress) -> Progress {
        var p = progress
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            isEstablished = true
            p.established = true
        } else {
            let e = SSL_get_error(ssl, rc)
            if e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE { fail(&p, handshakeError()) }
        }
        drainOutput(&p)
        return p
    }

    /// Why the handshake failed: an untrusted or mismatched certificate is said as such.
    private func handshakeError() -> TLSError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            ERR_clear_error()
            let reason = String(cString: X509_verify_cert_error_string(verify))
            return TLSError("TLS: the certificate of \(host) is not trusted (\(reason)); "
                            + "a private CA's certificate goes in RCOM_CA_FILE or SSL_CERT_FILE", permanent: true)
        }
        return TLSError.openSSL("TLS handshake with \(host) failed", permanent: true)
    }

    private func readPlaintext(_ p: inout Progress) {
        var buf = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            ERR_clear_error()
            let n = buf.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 {
                p.plaintext += buf[0..<Int(n)]
                continue
            }
            let e = SSL_get_error(ssl, n)
            if e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_ZERO_RETURN { break }
            fail(&p, TLSError.openSSL("TLS read from \(host) failed", permanent: false))
            break
        }
        drainOutput(&p)
    }

    private func drainOutput(_ p: inout Progress) {
        let pending = rcom_bio_pending(output)
        guard pending > 0 else { return }
        var buf = [UInt8](repeating: 0, count: pending)
        let n = buf.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
        if n > 0 { p.send += buf[0..<Int(n)] }
    }

    private func fail(_ p: inout Progress, _ e: TLSError) {
        failed = true
        if p.error == nil { p.error = e }
    }
}
