// OpenSSL's libssl for the SMTP client's TLS (memory BIOs: the TLS exchange stays bytes in,
// bytes out). The static inline wrappers stand in for OpenSSL's function-like macros, which
// Swift cannot call.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>

static inline int rcom_ssl_ctx_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// The name the certificate must match: an IP address is checked against the certificate's IP
/// addresses; a host name against its DNS names (no partial wildcards) and sent as SNI.
static inline int rcom_ssl_expect_host(SSL *ssl, const char *host) {
    unsigned char buf[16];
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1) {
        return X509_VERIFY_PARAM_set1_ip_asc(param, host);
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host) != 1) return 0;
    return (int)SSL_set_tlsext_host_name(ssl, host);
}

static inline size_t rcom_bio_pending(BIO *bio) { return BIO_ctrl_pending(bio); }
