// TLS over any byte stream: a byte_stream that wraps the runtime's own (kcoro's event loop, Asio,
// a simulated network), so the engine runs TLS wherever it runs. OpenSSL never touches the socket:
// it reads ciphertext from one memory BIO and writes it to another, and this class moves those
// bytes with the inner stream's awaitables. Nothing blocks and no thread is started.
//
// One reader and one writer may be active at once (broker_connection has both); the handshake
// runs alone, before either.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"
#include "runtime_concepts.hpp"
#include "task.hpp"
#include "tls_context.hpp"

#if KCORO_HAS_OPENSSL

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <byte_stream S>
class tls_stream {
public:
    // `host` is what the certificate must name (a DNS name or an IP address) and the SNI sent;
    // `where` names the peer in errors ("host:port"; the host when empty).
    static result<tls_stream> create(S inner, const tls_context& ctx, const std::string& host, std::string where = {}) {
        tls_stream t(std::move(inner), where.empty() ? host : std::move(where));
        ERR_clear_error();  // so that a failure below reports its own reasons only
        t.ssl_ = SSL_new(ctx.native_handle());
        if (t.ssl_ == nullptr) return tls_context::openssl_error("creating a TLS session");
        BIO* rbio = BIO_new(BIO_s_mem());
        BIO* wbio = BIO_new(BIO_s_mem());
        if (rbio == nullptr || wbio == nullptr) {
            BIO_free(rbio);
            BIO_free(wbio);
            return tls_context::openssl_error("creating a TLS session");
        }
        // An empty read BIO means "wait for the network", not end of stream.
        BIO_set_mem_eof_return(rbio, -1);
        SSL_set_bio(t.ssl_, rbio, wbio);
        t.rbio_ = rbio;
        t.wbio_ = wbio;
        unsigned char ip[16];
        const bool is_ip = inet_pton(AF_INET, host.c_str(), ip) == 1 || inet_pton(AF_INET6, host.c_str(), ip) == 1;
        // SNI names hosts only (RFC 6066 3: literal IP addresses are not permitted).
        if (!is_ip && SSL_set_tlsext_host_name(t.ssl_, host.c_str()) != 1) return tls_context::openssl_error("setting SNI to " + host);
        t.host_ = host;
        if (ctx.verify_hostname()) {
            X509_VERIFY_PARAM* param = SSL_get0_param(t.ssl_);
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            const int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
            if (set != 1) return tls_context::openssl_error("checking the certificate against " + host);
        }
        SSL_set_connect_state(t.ssl_);
        return t;
    }

    tls_stream(tls_stream&& o) noexcept
        : inner_(std::move(o.inner_)),
          host_(std::move(o.host_)),
          where_(std::move(o.where_)),
          ssl_(std::exchange(o.ssl_, nullptr)),
          rbio_(std::exchange(o.rbio_, nullptr)),
          wbio_(std::exchange(o.wbio_, nullptr)),
          closed_(o.closed_) {}
    tls_stream& operator=(tls_stream&&) = delete;
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;
    ~tls_stream() {
        if (ssl_ != nullptr) SSL_free(ssl_);  // frees both BIOs
    }

    // The TLS handshake: the certificate verified against the trusted CAs and the host.
    task<result<void>> handshake() {
        for (;;) {
            ERR_clear_error();
            const int r = SSL_do_handshake(ssl_);
            // SSL_get_error and the reasons read this thread's error queue, which whatever runs
            // while the flush below waits (another connection, the application's own TLS) may
            // fill or empty: both are taken before it.
            const int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, r);
            std::optional<error> failed;
            if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ) failed.emplace(handshake_error());
            // The ClientHello and later flights (or the alert that ends the handshake) go out
            // before any wait for the server's.
            auto f = co_await flush();
            if (failed) co_return std::move(*failed);
            if (!f) co_return handshake_lost(f.err());
            if (r == 1) co_return ok();
            if (auto n = co_await fill(); !n) co_return handshake_lost(n.err());
        }
    }

    task<result<std::size_t>> read_some(mutable_bytes buf) {
        for (;;) {
            if (closed_) co_return error(errc::connection_lost, "TLS connection to " + where_ + " closed");
            ERR_clear_error();
            std::size_t n = 0;
            const int r = SSL_read_ex(ssl_, buf.data(), buf.size(), &n);
            if (r == 1) co_return n;
            const int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_ZERO_RETURN) co_return error(errc::connection_lost, "broker " + where_ + " ended the TLS session");
            if (e != SSL_ERROR_WANT_READ) co_return failure("TLS read from " + where_);
            // What SSL_read may have to answer (a TLS 1.3 key update) waits in the write BIO for
            // the next write(): only one coroutine writes to the inner stream at a time.
            auto more = co_await fill();
            if (!more) co_return std::move(more).err();
        }
    }

    // Every byte of every view, in order. Small views are gathered into records of up to 16 KiB
    // (one TLS record each would cost a header and a MAC per view); large ones go to OpenSSL from
    // where they are.
    task<result<void>> write(std::span<const bytes_view> views) {
        if (closed_) co_return error(errc::connection_lost, "TLS connection to " + where_ + " closed");
        gather_.clear();
        for (const bytes_view v : views) {
            if (v.size() < small_write && gather_.size() + v.size() <= record_size) {
                gather_.insert(gather_.end(), v.begin(), v.end());
                continue;
            }
            if (auto r = encrypt(bytes_view(gather_.data(), gather_.size())); !r) co_return r;
            gather_.clear();
            if (v.size() < small_write) gather_.insert(gather_.end(), v.begin(), v.end());
            else if (auto r = encrypt(v); !r) co_return r;
        }
        if (auto r = encrypt(bytes_view(gather_.data(), gather_.size())); !r) co_return r;
        co_return co_await flush();
    }

    void close() {
        closed_ = true;
        inner_.close();
    }

private:
    static constexpr std::size_t record_size = 16 * 1024;  // TLS's largest record
    static constexpr std::size_t small_write = 4 * 1024;

    tls_stream(S inner, std::string where) : inner_(std::move(inner)), where_(std::move(where)) {}

    result<void> encrypt(bytes_view v) {
        if (v.empty()) return ok();
        ERR_clear_error();
        std::size_t written = 0;
        // A memory BIO never refuses bytes, so the whole view is taken at once.
        if (SSL_write_ex(ssl_, v.data(), v.size(), &written) != 1 || written != v.size())
            return tls_context::openssl_error("TLS write to " + where_);
        return ok();
    }

    // Moves what OpenSSL wrote into the write BIO to the inner stream. The bytes are taken out of
    // the BIO first: a read may add to it while the inner write is under way.
    task<result<void>> flush() {
        for (;;) {
            const std::size_t pending = BIO_ctrl_pending(wbio_);
            if (pending == 0) co_return ok();
            out_.resize(pending);
            std::size_t n = 0;
            if (BIO_read_ex(wbio_, out_.data(), pending, &n) != 1) co_return tls_context::openssl_error("TLS write to " + where_);
            const bytes_view part(out_.data(), n);
            auto r = co_await inner_.write(std::span<const bytes_view>(&part, 1));
            if (!r) co_return r;
        }
    }

    // Reads ciphertext from the inner stream into the read BIO.
    task<result<void>> fill() {
        in_.resize(record_size + 1024);
        auto n = co_await inner_.read_some(mutable_bytes(in_.data(), in_.size()));
        if (!n) co_return std::move(n).err();
        std::size_t put = 0;
        if (BIO_write_ex(rbio_, in_.data(), *n, &put) != 1 || put != *n) co_return tls_context::openssl_error("TLS read from " + where_);
        co_return ok();
    }

    // The handshake failed inside OpenSSL: why, with the verifier's reason when it was the
    // certificate.
    error handshake_error() {
        const long v = SSL_get_verify_result(ssl_);
        if (v != X509_V_OK) {
            ERR_clear_error();
            std::string why = X509_verify_cert_error_string(v);
            if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
                why += " (the certificate does not name " + host_ + "; ssl_endpoint_identification=none_insecure accepts it anyway)";
            else if (v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                     v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || v == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE)
                why += " (ssl_ca_location or ssl_ca_pem must hold the CA that signed the broker's certificate)";
            return error(errc::tls_failed, "TLS handshake with broker " + where_ + ": certificate verify failed: " + why);
        }
        return failure("TLS handshake with broker " + where_);
    }

    // OpenSSL's reasons after `what`; when the broker's alert says it refused the client's
    // certificate, or its lack of one, also what to change. TLS 1.3 sends that alert after the
    // client's side of the handshake, so it arrives in the first read; TLS 1.2, in the handshake.
    error failure(std::string what) const {
        const unsigned long last = ERR_peek_last_error();
        const int reason = ERR_GET_LIB(last) == ERR_LIB_SSL ? ERR_GET_REASON(last) : 0;
        error e = tls_context::openssl_error(std::move(what));
        const bool refused_certificate = reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE || reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
                                         reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN || reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
                                         reason == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED || reason == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED;
        if (!refused_certificate) return e;
        if (SSL_get_certificate(ssl_) == nullptr)
            return error(e.code(), e.detail() + " (the broker requires a client certificate: set ssl_certificate_location and ssl_key_location)");
        return error(e.code(), e.detail() + " (the broker refused the client certificate of ssl_certificate_location: it must be valid now "
                                            "and signed by a CA in the broker's truststore)");
    }

    // The peer hung up during the handshake: a listener that does not speak TLS does that.
    error handshake_lost(const error& e) const {
        return error(errc::tls_failed, "broker " + where_ + " closed the connection during the TLS handshake (" + e.detail() +
                                           "): is it a PLAINTEXT or SASL_PLAINTEXT listener?");
    }

    S inner_;
    std::string host_;   // what the certificate must name
    std::string where_;  // the peer, in errors
    SSL* ssl_ = nullptr;
    BIO* rbio_ = nullptr;  // owned by ssl_
    BIO* wbio_ = nullptr;  // owned by ssl_
    bool closed_ = false;
    std::vector<byte> gather_;
    std::vector<byte> out_;
    std::vector<byte> in_;
};

KCORO_NAMESPACE_END

#endif  // KCORO_HAS_OPENSSL
