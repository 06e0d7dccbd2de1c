// The client side of one SASL login on one broker connection, sans I/O: what to put in
// SaslHandshake and in each SaslAuthenticate, and what each response means. broker_connection
// sends the requests; this decides what they carry and turns every way a login can fail into an
// error that names the mechanism, the user and the broker (never the password).
//
//     sasl_authenticator a(mechanism, user, password, "host:port");   // or a(token, "host:port")
//     handshake(a.mechanism_name()) -> a.on_handshake(response)
//     auto m = a.first_message();            // then, until on_authenticate() says done:
//     SaslAuthenticate(*m) -> m = a.on_authenticate(response)
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../protocol/sasl_authenticate.hpp"
#include "../protocol/sasl_handshake.hpp"
#include "../protocol/sasl_mechanism.hpp"
#include "../protocol/sasl_oauthbearer.hpp"
#include "../protocol/sasl_plain.hpp"
#include "../protocol/sasl_scram.hpp"
#include "../result.hpp"
#include "oauthbearer_token.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

KCORO_NAMESPACE_BEGIN

class sasl_authenticator {
public:
    // `broker` ("host:port") only names the broker in errors.
    sasl_authenticator(sasl_mechanism mechanism, std::string_view user, std::string_view password, std::string broker)
        : mechanism_(mechanism), user_(user), password_(password), broker_(std::move(broker)) {}
    // OAUTHBEARER with `token`, which must outlive the login.
    sasl_authenticator(const oauthbearer_token& token, std::string broker)
        : mechanism_(sasl_mechanism::oauthbearer), user_(token.principal), broker_(std::move(broker)), token_(&token) {}
    sasl_authenticator(const sasl_authenticator&) = delete;
    sasl_authenticator& operator=(const sasl_authenticator&) = delete;

    std::string_view mechanism_name() const noexcept { return sasl_mechanism_name(mechanism_); }
    bool done() const noexcept { return step_ == step::done; }
    // What the broker's last SaslAuthenticate said the session lasts (0: until the connection closes).
    std::int64_t session_lifetime_ms() const noexcept { return session_lifetime_ms_; }

    // SaslHandshake's answer: the mechanism is enabled, or an error listing those that are.
    result<void> on_handshake(const sasl_handshake_response& r) {
        if (step_ != step::start) return out_of_order();
        if (r.error_code == errc::none) {
            step_ = step::handshaken;
            return ok();
        }
        step_ = step::failed;
        if (r.error_code == errc::unsupported_sasl_mechanism) {
            std::string enabled;
            for (const auto& m : r.mechanisms) enabled += (enabled.empty() ? "" : ", ") + m;
            return error(errc::unsupported_sasl_mechanism, "broker " + broker_ + " does not enable SASL " + std::string(mechanism_name()) +
                                                               "; it enables " + (enabled.empty() ? std::string("none") : enabled));
        }
        return error(r.error_code, "SaslHandshake for " + std::string(mechanism_name()) + " with broker " + broker_);
    }

    // The first SaslAuthenticate's bytes.
    result<std::string> first_message() {
        if (step_ != step::handshaken) return out_of_order();
        step_ = step::failed;
        if (mechanism_ == sasl_mechanism::plain) {
            auto m = sasl_plain_message(user_, password_);
            if (!m) return error(m.code(), failure_prefix() + m.err().detail());
            step_ = step::sent_last;
            return m;
        }
        if (mechanism_ == sasl_mechanism::oauthbearer) {
            auto m = sasl_oauthbearer_message(token_->value, token_->extensions);
            if (!m) return error(m.code(), failure_prefix() + m.err().detail());
            step_ = step::sent_last;
            return m;
        }
#if KCORO_HAS_OPENSSL
        auto c = scram_client::create(mechanism_ == sasl_mechanism::scram_sha_256 ? scram_algorithm::sha256 : scram_algorithm::sha512, user_,
                                      password_);
        if (!c) return error(c.code(), failure_prefix() + c.err().detail());
        scram_.emplace(std::move(*c));
        auto first = scram_->client_first();
        if (!first) return error(first.code(), failure_prefix() + first.err().detail());
        step_ = step::sent_first;
        return first;
#else
        return error(errc::unsupported_sasl_mechanism,
                     std::string(mechanism_name()) + " needs OpenSSL's libcrypto, and this build of kcoro has none (KCORO_WITH_OPENSSL)");
#endif
    }

    // A SaslAuthenticate's answer: the next message to send, or nullopt once the login is done.
    result<std::optional<std::string>> on_authenticate(const sasl_authenticate_response& r) {
        const step at = step_;
        step_ = step::failed;
        if (at != step::sent_first && at != step::sent_last && at != step::sent_error_ack) return out_of_order();
        if (r.error_code != errc::none) {
            // The broker's message says why ("Authentication failed: Invalid username or password").
            std::string why = r.error_message && !r.error_message->empty() ? *r.error_message : std::string(error(r.error_code).message());
            // OAUTHBEARER's own reason, the JSON the broker sent before (RFC 7628 §3.2.2).
            if (!bearer_error_.empty() && why.find(bearer_error_) == std::string::npos) why += " (" + bearer_error_ + ")";
            return error(r.error_code == errc::sasl_authentication_failed || r.error_code == errc::illegal_sasl_state ? r.error_code
                                                                                                                   : errc::sasl_authentication_failed,
                         failure_prefix() + why);
        }
        session_lifetime_ms_ = r.session_lifetime_ms;
        [[maybe_unused]] const std::string_view answer = as_string_view(r.auth_bytes.view());
        if (at == step::sent_error_ack)
            return error(errc::sasl_authentication_failed, failure_prefix() + "the broker refused the token (" + bearer_error_ +
                                                               ") and then reported success; the login is not trusted");
        if (at == step::sent_last && mechanism_ == sasl_mechanism::oauthbearer && !answer.empty()) {
            // A refused token: the broker says why in JSON ({"status":"invalid_token"}) and waits
            // for the client's acknowledgement before it fails the login.
            bearer_error_ = printable(answer);
            step_ = step::sent_error_ack;
            return std::optional<std::string>(std::string(sasl_oauthbearer_error_ack));
        }
        if (at == step::sent_last) {
#if KCORO_HAS_OPENSSL
            if (scram_) {
                // SCRAM's last word is the broker's: it proves it knows the credential.
                if (auto v = scram_->verify_server_final(answer); !v) return error(v.code(), failure_prefix() + v.err().detail());
            }
#endif
            step_ = step::done;
            return std::optional<std::string>{};
        }
#if KCORO_HAS_OPENSSL
        auto final_message = scram_->client_final(answer);
        if (!final_message) return error(final_message.code(), failure_prefix() + final_message.err().detail());
        step_ = step::sent_last;
        return std::optional<std::string>(std::move(*final_message));
#else
        return out_of_order();
#endif
    }

private:
    enum class step : std::uint8_t { start, handshaken, sent_first, sent_last, sent_error_ack, done, failed };

    std::string failure_prefix() const {
        // A token need not name its principal; the login is then only "at broker".
        std::string as = user_.empty() ? std::string() : " as '" + std::string(user_) + "'";
        return "SASL " + std::string(mechanism_name()) + " login" + as + " at broker " + broker_ + " failed: ";
    }
    // The broker's words, bounded and with control bytes replaced, as they go into a message.
    static std::string printable(std::string_view s) {
        std::string out;
        for (char c : s.substr(0, 512)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
        return out;
    }
    error out_of_order() {
        step_ = step::failed;
        return error(errc::illegal_sasl_state, failure_prefix() + "a step out of order");
    }

    sasl_mechanism mechanism_;
    step step_ = step::start;
    std::string_view user_;
    std::string_view password_;  // the configuration's, which outlives every login
    std::string broker_;
    std::int64_t session_lifetime_ms_ = 0;
    const oauthbearer_token* token_ = nullptr;  // OAUTHBEARER's
    std::string bearer_error_;                  // what the broker said of a refused token
#if KCORO_HAS_OPENSSL
    std::optional<scram_client> scram_;
#endif
};

KCORO_NAMESPACE_END
