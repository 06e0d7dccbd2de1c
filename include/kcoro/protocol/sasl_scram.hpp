// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), the client side, sans I/O: the messages
// go into SaslAuthenticate requests and come out of their responses; nothing here touches a socket.
// Parsing and encoding need nothing; the key derivation needs OpenSSL's libcrypto.
#pragma once

#include "../detail/base64.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#if KCORO_HAS_OPENSSL
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#endif

KCORO_NAMESPACE_BEGIN

enum class scram_algorithm : std::uint8_t { sha256, sha512 };

// The name SaslHandshake announces and the broker's sasl.enabled.mechanisms lists.
constexpr std::string_view scram_mechanism_name(scram_algorithm a) noexcept {
    return a == scram_algorithm::sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

namespace detail {

// RFC 5802 5.1: ',' and '=' in the user name are written as "=2C" and "=3D".
inline void scram_escape_name_into(std::string& out, std::string_view name) {
    for (char c : name) {
        if (c == ',') out += "=2C";
        else if (c == '=') out += "=3D";
        else out += c;
    }
}

// Splits "a=v1,b=v2,..." one attribute at a time.
class scram_attribute_reader {
public:
    explicit scram_attribute_reader(std::string_view s) noexcept : rest_(s) {}
    bool at_end() const noexcept { return done_; }
    // The next attribute as (letter, value); fails unless it is "x=...".
    result<std::pair<char, std::string_view>> next() {
        if (done_) return error(errc::malformed_response, "SCRAM: attribute missing");
        std::string_view attr;
        if (const auto comma = rest_.find(','); comma == std::string_view::npos) {
            attr = rest_;
            done_ = true;
        } else {
            attr = rest_.substr(0, comma);
            rest_.remove_prefix(comma + 1);
        }
        if (attr.size() < 2 || attr[1] != '=' || !((attr[0] >= 'a' && attr[0] <= 'z') || (attr[0] >= 'A' && attr[0] <= 'Z')))
            return error(errc::malformed_response, "SCRAM: malformed attribute");
        return std::pair<char, std::string_view>{attr[0], attr.substr(2)};
    }

private:
    std::string_view rest_;
    bool done_ = false;
};

}  // namespace detail

// What the server's first message says: the combined nonce, the salt and the iteration count.
struct scram_server_first {
    std::string nonce;
    std::string salt;  // decoded bytes
    std::int32_t iterations = 0;
};

// The Java client refuses fewer than 4096 iterations (a downgraded, cheaply brute-forced key);
// the upper bound keeps a hostile broker from stalling the event loop in PBKDF2 for hours
// (Kafka's broker caps SCRAM credentials at 16384).
inline constexpr std::int32_t scram_min_iterations = 4096;
inline constexpr std::int32_t scram_max_iterations = 1 << 20;

// Parses server-first-message (RFC 5802 7) and checks it against the nonce the client sent.
inline result<scram_server_first> parse_scram_server_first(std::string_view msg, std::string_view client_nonce) {
    detail::scram_attribute_reader in(msg);
    KCORO_TRY_ASSIGN(auto a, in.next());
    if (a.first == 'm') return error(errc::auth_failed, "SCRAM: the server requires an unsupported extension");
    scram_server_first out;
    if (a.first != 'r') return error(errc::malformed_response, "SCRAM: server-first lacks the nonce");
    // The server must extend the client's nonce; an echo or a different prefix is a replay or a bug.
    if (a.second.size() <= client_nonce.size() || a.second.substr(0, client_nonce.size()) != client_nonce)
        return error(errc::auth_failed, "SCRAM: the server nonce does not extend the client nonce");
    for (char c : a.second)
        if (c < 0x21 || c > 0x7e) return error(errc::malformed_response, "SCRAM: nonce is not printable");
    out.nonce = std::string(a.second);

    KCORO_TRY_ASSIGN(auto s, in.next());
    if (s.first != 's') return error(errc::malformed_response, "SCRAM: server-first lacks the salt");
    KCORO_TRY_ASSIGN(out.salt, detail::base64_decode(s.second));
    if (out.salt.empty()) return error(errc::malformed_response, "SCRAM: empty salt");

    KCORO_TRY_ASSIGN(auto i, in.next());
    if (i.first != 'i' || i.second.empty() || i.second.size() > 10)
        return error(errc::malformed_response, "SCRAM: server-first lacks the iteration count");
    std::int64_t n = 0;
    for (char c : i.second) {
        if (c < '0' || c > '9') return error(errc::malformed_response, "SCRAM: iteration count is not a number");
        n = n * 10 + (c - '0');
    }
    if (n < scram_min_iterations || n > scram_max_iterations)
        return error(errc::auth_failed, "SCRAM: iteration count " + std::to_string(n) + " is outside [4096, 1048576]");
    out.iterations = static_cast<std::int32_t>(n);
    // Extensions after the iteration count are allowed and ignored (RFC 5802 7).
    return out;
}

// What the server's final message says: its signature (decoded) or the error it names.
struct scram_server_final {
    std::string verifier;      // decoded ServerSignature, empty when error is set
    std::string server_error;  // the "e=" value, empty on success
};

inline result<scram_server_final> parse_scram_server_final(std::string_view msg) {
    detail::scram_attribute_reader in(msg);
    KCORO_TRY_ASSIGN(auto a, in.next());
    scram_server_final out;
    if (a.first == 'e') {
        if (a.second.empty()) return error(errc::malformed_response, "SCRAM: empty server error");
        out.server_error = std::string(a.second);
        return out;
    }
    if (a.first != 'v') return error(errc::malformed_response, "SCRAM: server-final lacks the verifier");
    KCORO_TRY_ASSIGN(out.verifier, detail::base64_decode(a.second));
    if (out.verifier.empty()) return error(errc::malformed_response, "SCRAM: empty verifier");
    return out;
}

#if KCORO_HAS_OPENSSL

// One SCRAM exchange: client_first(), then client_final(server-first), then
// verify_server_final(server-final). Each step is allowed once and in order; a failed step
// leaves the exchange failed, because SCRAM has no way to retry a step.
class scram_client {
public:
    // The nonce must be printable ASCII without ','; it must be fresh and unpredictable,
    // which create() guarantees. This constructor exists for reproducible test vectors.
    scram_client(scram_algorithm algorithm, std::string_view user, std::string_view password,
                 std::string_view client_nonce)
        : algorithm_(algorithm), password_(password), nonce_(client_nonce) {
        client_first_bare_ = "n=";
        detail::scram_escape_name_into(client_first_bare_, user);
        client_first_bare_ += ",r=";
        client_first_bare_ += nonce_;
    }
    scram_client(const scram_client&) = delete;
    scram_client& operator=(const scram_client&) = delete;
    scram_client(scram_client&& o) noexcept { *this = std::move(o); }
    scram_client& operator=(scram_client&& o) noexcept {
        if (this != &o) {
            wipe();
            algorithm_ = o.algorithm_;
            step_ = o.step_;
            password_ = std::move(o.password_);
            nonce_ = std::move(o.nonce_);
            client_first_bare_ = std::move(o.client_first_bare_);
            expected_server_signature_ = std::move(o.expected_server_signature_);
            o.password_.clear();
            o.expected_server_signature_.clear();
            o.step_ = step::failed;
        }
        return *this;
    }
    ~scram_client() { wipe(); }

    // A client with a fresh 24-byte random nonce from OpenSSL's CSPRNG.
    static result<scram_client> create(scram_algorithm algorithm, std::string_view user, std::string_view password) {
        unsigned char raw[24];
        if (RAND_bytes(raw, sizeof raw) != 1) return error(errc::auth_failed, "SCRAM: no random bytes for the nonce");
        std::string nonce;
        detail::base64_encode_into(nonce, raw, sizeof raw);  // printable and free of ','
        return scram_client(algorithm, user, password, nonce);
    }

    scram_algorithm algorithm() const noexcept { return algorithm_; }
    std::string_view mechanism() const noexcept { return scram_mechanism_name(algorithm_); }
    bool authenticated() const noexcept { return step_ == step::done; }

    // client-first-message: GS2 header without channel binding, then the bare part.
    result<std::string> client_first() {
        if (step_ != step::start) return out_of_order();
        step_ = step::sent_first;
        return "n,," + client_first_bare_;
    }

    // client-final-message with the proof, computed from the server's salt and iteration count.
    result<std::string> client_final(std::string_view server_first) {
        if (step_ != step::sent_first) return out_of_order();
        step_ = step::failed;
        KCORO_TRY_ASSIGN(auto sf, parse_scram_server_first(server_first, nonce_));

        const EVP_MD* md = digest();
        const auto len = static_cast<std::size_t>(EVP_MD_get_size(md));
        key salted{}, client_key{}, stored_key{}, client_signature{}, server_key{}, server_signature{};
        if (PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                              reinterpret_cast<const unsigned char*>(sf.salt.data()), static_cast<int>(sf.salt.size()),
                              sf.iterations, md, static_cast<int>(len), salted.data()) != 1)
            return error(errc::auth_failed, "SCRAM: PBKDF2 failed");
        OPENSSL_cleanse(password_.data(), password_.size());
        password_.clear();

        std::string final_message = "c=biws,r=";  // biws = base64("n,,")
        final_message += sf.nonce;
        std::string auth_message;
        auth_message.reserve(client_first_bare_.size() + server_first.size() + final_message.size() + 2);
        auth_message += client_first_bare_;
        auth_message += ',';
        auth_message += server_first;
        auth_message += ',';
        auth_message += final_message;

        bool derived = hmac(md, salted, len, "Client Key", client_key) &&
                  EVP_Digest(client_key.data(), len, stored_key.data(), nullptr, md, nullptr) == 1 &&
                  hmac(md, stored_key, len, auth_message, client_signature) &&
                  hmac(md, salted, len, "Server Key", server_key) &&
                  hmac(md, server_key, len, auth_message, server_signature);
        for (std::size_t k = 0; k < len; ++k) client_key[k] ^= client_signature[k];  // now ClientProof
        if (derived) {
            final_message += ",p=";
            detail::base64_encode_into(final_message, client_key.data(), len);
            expected_server_signature_.assign(reinterpret_cast<const char*>(server_signature.data()), len);
        }
        OPENSSL_cleanse(salted.data(), salted.size());
        OPENSSL_cleanse(client_key.data(), client_key.size());
        OPENSSL_cleanse(server_key.data(), server_key.size());
        if (!derived) return error(errc::auth_failed, "SCRAM: HMAC failed");
        step_ = step::sent_final;
        return final_message;
    }

    // Proves the server knows the credential too; without this a man in the middle could
    // accept any password.
    result<void> verify_server_final(std::string_view server_final) {
        if (step_ != step::sent_final) return out_of_order();
        step_ = step::failed;
        KCORO_TRY_ASSIGN(auto sf, parse_scram_server_final(server_final));
        if (!sf.server_error.empty())
            return error(errc::sasl_authentication_failed, "SCRAM: the server says " + sf.server_error);
        if (sf.verifier.size() != expected_server_signature_.size() ||
            CRYPTO_memcmp(sf.verifier.data(), expected_server_signature_.data(), sf.verifier.size()) != 0)
            return error(errc::auth_failed, "SCRAM: the server's signature is wrong (it does not know the credential)");
        step_ = step::done;
        return ok();
    }

private:
    enum class step : std::uint8_t { start, sent_first, sent_final, done, failed };
    using key = std::array<unsigned char, EVP_MAX_MD_SIZE>;

    const EVP_MD* digest() const noexcept { return algorithm_ == scram_algorithm::sha256 ? EVP_sha256() : EVP_sha512(); }
    static bool hmac(const EVP_MD* md, const key& k, std::size_t klen, std::string_view data, key& out) noexcept {
        unsigned int out_len = 0;
        return HMAC(md, k.data(), static_cast<int>(klen), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), out.data(), &out_len) != nullptr;
    }
    error out_of_order() {
        step_ = step::failed;
        return error(errc::illegal_sasl_state, "SCRAM: step called out of order");
    }
    void wipe() noexcept {
        if (!password_.empty()) OPENSSL_cleanse(password_.data(), password_.size());
        if (!expected_server_signature_.empty())
            OPENSSL_cleanse(expected_server_signature_.data(), expected_server_signature_.size());
    }

    scram_algorithm algorithm_ = scram_algorithm::sha256;
    step step_ = step::start;
    std::string password_;
    std::string nonce_;
    std::string client_first_bare_;
    std::string expected_server_signature_;
};

#endif  // KCORO_HAS_OPENSSL

KCORO_NAMESPACE_END
