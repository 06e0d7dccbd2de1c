// What every TLS connection of a client shares: OpenSSL's SSL_CTX with the trusted CAs, the
// client certificate, TLS 1.2 as the lowest version, and peer verification on. tls_stream makes
// one session per connection from it. Needs OpenSSL 3 (KCORO_HAS_OPENSSL).
#pragma once

#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#if KCORO_HAS_OPENSSL

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <sys/stat.h>
#include <utility>

KCORO_NAMESPACE_BEGIN

class tls_context {
public:
    struct options {
        std::string ca_location{};           // PEM file or hashed directory; with ca_pem empty too: the system's store
        std::string ca_pem{};                // PEM text of the trusted CAs
        std::string certificate_location{};  // client certificate chain (PEM), for mTLS
        std::string key_location{};          // its private key (PEM)
        std::string key_password{};          // the key's passphrase, if it is encrypted
        bool verify_hostname = true;         // false: any host's certificate signed by a trusted CA is accepted
    };

    static result<tls_context> create(const options& o) {
        // Errors an earlier caller on this thread left behind would read as this one's reasons.
        ERR_clear_error();
        tls_context c(SSL_CTX_new(TLS_client_method()), o.verify_hostname);
        if (c.ctx_ == nullptr) return openssl_error("creating the TLS context");
        SSL_CTX_set_min_proto_version(c.ctx_, TLS1_2_VERSION);
        // Renegotiation would let the peer start a handshake inside a read; nothing in Kafka needs it.
        SSL_CTX_set_options(c.ctx_, SSL_OP_NO_RENEGOTIATION);
        SSL_CTX_set_verify(c.ctx_, SSL_VERIFY_PEER, nullptr);
        if (!o.ca_pem.empty()) {
            if (auto r = c.add_ca_pem(o.ca_pem); !r) return std::move(r).err();
        } else if (!o.ca_location.empty()) {
            struct stat st{};
            const bool dir = ::stat(o.ca_location.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
            if (SSL_CTX_load_verify_locations(c.ctx_, dir ? nullptr : o.ca_location.c_str(), dir ? o.ca_location.c_str() : nullptr) != 1)
                return openssl_error("ssl_ca_location: reading '" + o.ca_location + "'");
        } else if (SSL_CTX_set_default_verify_paths(c.ctx_) != 1) {
            return openssl_error("loading the system's CA store");
        }
        if (!o.certificate_location.empty()) {
            if (SSL_CTX_use_certificate_chain_file(c.ctx_, o.certificate_location.c_str()) != 1)
                return openssl_error("ssl_certificate_location: reading '" + o.certificate_location + "'");
            // The passphrase is handed to OpenSSL only while the key is read.
            std::string password = o.key_password;
            SSL_CTX_set_default_passwd_cb_userdata(c.ctx_, &password);
            SSL_CTX_set_default_passwd_cb(c.ctx_, &tls_context::key_password);
            const int used = SSL_CTX_use_PrivateKey_file(c.ctx_, o.key_location.c_str(), SSL_FILETYPE_PEM);
            SSL_CTX_set_default_passwd_cb(c.ctx_, nullptr);
            SSL_CTX_set_default_passwd_cb_userdata(c.ctx_, nullptr);
            OPENSSL_cleanse(password.data(), password.size());
            if (used != 1) {
                // OpenSSL checks the key against the certificate as it loads it.
                const unsigned long e = ERR_peek_last_error();
                if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
                    return openssl_error("ssl_key_location: the key does not match the certificate");
                return openssl_error("ssl_key_location: reading '" + o.key_location + "' (is ssl_key_password right?)");
            }
            if (SSL_CTX_check_private_key(c.ctx_) != 1) return openssl_error("ssl_key_location: the key does not match the certificate");
        }
        return c;
    }

    tls_context(tls_context&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)), verify_hostname_(o.verify_hostname_) {}
    tls_context& operator=(tls_context&& o) noexcept {
        if (this != &o) {
            if (ctx_ != nullptr) SSL_CTX_free(ctx_);
            ctx_ = std::exchange(o.ctx_, nullptr);
            verify_hostname_ = o.verify_hostname_;
        }
        return *this;
    }
    tls_context(const tls_context&) = delete;
    tls_context& operator=(const tls_context&) = delete;
    ~tls_context() {
        if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    }

    SSL_CTX* native_handle() const noexcept { return ctx_; }
    bool verify_hostname() const noexcept { return verify_hostname_; }

    // OpenSSL's queued errors as text after `what` (and the queue emptied, so that the next
    // operation on this thread starts clean).
    static error openssl_error(std::string what, errc code = errc::tls_failed) {
        std::string reasons;
        while (const unsigned long e = ERR_get_error()) {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            reasons += reasons.empty() ? ": " : "; ";
            reasons += buf;
        }
        return error(code, std::move(what) + reasons);
    }

private:
    tls_context(SSL_CTX* ctx, bool verify_hostname) noexcept : ctx_(ctx), verify_hostname_(verify_hostname) {}

    result<void> add_ca_pem(std::string_view pem) {
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        if (bio == nullptr) return openssl_error("ssl_ca_pem");
        X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
        int added = 0;
        while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
            if (X509_STORE_add_cert(store, cert) == 1) ++added;
            X509_free(cert);
        }
        BIO_free(bio);
        ERR_clear_error();  // the read that ends the loop leaves "no start line" behind
        if (added == 0) return error(errc::bad_config, "ssl_ca_pem: no certificate could be read from it");
        return ok();
    }

    static int key_password(char* buf, int size, int, void* userdata) {
        const auto* pw = static_cast<const std::string*>(userdata);
        if (pw == nullptr || pw->empty() || static_cast<int>(pw->size()) > size) return 0;
        pw->copy(buf, pw->size());
        return static_cast<int>(pw->size());
    }

    SSL_CTX* ctx_ = nullptr;
    bool verify_hostname_ = true;
};

KCORO_NAMESPACE_END

#endif  // KCORO_HAS_OPENSSL
