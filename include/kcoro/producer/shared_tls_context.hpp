// The one TLS context that all of a producer's connections share, as librdkafka keeps one SSL_CTX
// per client: the CA store, the client certificate and its key are read from disk (and the key's
// passphrase used) once, when the first TLS connection is made, instead of at every connection
// and reconnection to every broker. The sessions made from it hold references to it, so the
// context may go before they do.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "../runtime/tls_context.hpp"
#include "producer_config.hpp"

#include <optional>
#include <utility>

KCORO_NAMESPACE_BEGIN

#if KCORO_HAS_OPENSSL

class shared_tls_context {
public:
    shared_tls_context() = default;
    shared_tls_context(const shared_tls_context&) = delete;
    shared_tls_context& operator=(const shared_tls_context&) = delete;

    // The context for `config`'s ssl_* settings: made by the first call that succeeds, the same
    // one after. A failure is not kept: a CA file that appears or is mended later is read then.
    result<const tls_context*> get(const producer_config& config) {
        if (ctx_) return &*ctx_;
        tls_context::options o;
        o.ca_location = config.ssl_ca_location;
        o.ca_pem = config.ssl_ca_pem;
        o.certificate_location = config.ssl_certificate_location;
        o.key_location = config.ssl_key_location;
        o.key_password = config.ssl_key_password;
        o.verify_hostname = config.ssl_endpoint_identification == ssl_endpoint_identification::https;
        auto made = tls_context::create(o);
        OPENSSL_cleanse(o.key_password.data(), o.key_password.size());
        if (!made) return std::move(made).err();
        ctx_.emplace(std::move(*made));
        return &*ctx_;
    }

private:
    std::optional<tls_context> ctx_;
};

#else

// Without OpenSSL no connection uses TLS; the type stays so that the engine's parts need no
// conditionals to carry it.
class shared_tls_context {};

#endif

KCORO_NAMESPACE_END
