// One connection to one broker: connect, the TLS handshake and the SASL login when the
// configuration's security_protocol asks for them, negotiate versions with ApiVersions, then
// pipeline requests and hand each response to its requester in order, matched by correlation id.
//
// Kafka answers requests on a connection strictly in the order they were sent, so the waiting
// requesters form a FIFO; a response whose correlation id is not the oldest one outstanding means
// the peer is not speaking Kafka, and the connection is closed (never the process).
//
// Two deadlines bound a request. request_timeout is the connection's: an answer later than that
// means the broker is gone or stuck, and the connection closes. A caller may give a request a
// deadline of its own (a transactional call's timeout): past it the caller resumes with
// errc::timed_out, the request's outcome unknown, while the connection stays up and reads the
// answer when it comes, checks it against the request and drops it, so that the answers after it
// still find their requesters.
#pragma once

#include "../bytes.hpp"
#include "../detail/prelude.hpp"
#include "../protocol/protocol.hpp"
#include "../result.hpp"
#include "../runtime/runtime.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/tls_context.hpp"
#include "../runtime/tls_stream.hpp"
#include "../runtime/wake_signal.hpp"
#include "producer_config.hpp"
#include "sasl_authenticator.hpp"
#include "shared_tls_context.hpp"

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

template <engine_runtime R>
class broker_connection {
public:
    using stream_type = typename R::stream_type;

    // `scope`: where the connection's background coroutines (reader, watchdog) are counted, so
    // that its owner outlives them (see detached_scope); none for an owner that waits for them.
    broker_connection(R& rt, std::string host, std::uint16_t port, std::string client_id, detail::detached_scope* scope = nullptr)
        : rt_(rt), host_(std::move(host)), port_(port), client_id_(std::move(client_id)), watchdog_(rt), scope_(scope) {}
    // A connection that speaks `config`'s security_protocol (TLS, SASL) and sends its client_id.
    // `config` must outlive the connection (the producer's own does), and so must `tls`: the TLS
    // context its owner's connections share (none: the connection makes one of its own).
    broker_connection(R& rt, std::string host, std::uint16_t port, const producer_config& config, detail::detached_scope* scope = nullptr,
                      shared_tls_context* tls = nullptr)
        : broker_connection(rt, std::move(host), port, config.client_id, scope) {
        config_ = &config;
#if KCORO_HAS_OPENSSL
        if (tls != nullptr) tls_context_ = tls;
#else
        (void)tls;
#endif
    }
    broker_connection(const broker_connection&) = delete;
    broker_connection& operator=(const broker_connection&) = delete;

    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }
    bool ready() const noexcept { return state_ == state::ready; }
    bool connecting() const noexcept { return state_ == state::connecting; }
    const api_version_ranges& versions() const noexcept { return versions_; }
    std::size_t in_flight() const noexcept { return waiters_.size(); }

    // Connects, negotiates ApiVersions and starts the reader. Only one caller at a time.
    // `deadline`: a caller's own, which bounds the ApiVersions exchange as a request's does.
    task<result<void>> connect(std::chrono::milliseconds timeout, std::chrono::milliseconds request_timeout,
                               steady_time deadline = steady_time::max()) {
        state_ = state::connecting;
        request_timeout_ = request_timeout;
        const std::uint64_t gen = generation_;
        auto s = co_await rt_.connect(host_, port_, timeout);
        if (generation_ != gen) {
            // close() was called while connecting: the connection stays closed.
            if (s) s->close();
            co_return error(errc::connection_lost, "connection to " + where() + " closed while connecting");
        }
        if (!s) {
            state_ = state::closed;
            // The runtime's error usually names the address already ("connect to h:p: refused").
            const std::string& d = s.err().detail();
            if (d.find(host_) != std::string::npos) co_return std::move(s).err();
            co_return error(s.code(), "connect to " + where() + (d.empty() ? "" : ": " + d));
        }
        const security_protocol protocol = config_ != nullptr ? config_->security_protocol : security_protocol::plaintext;
        ++generation_;
        const std::uint64_t live = generation_;
        if (uses_tls(protocol)) {
#if KCORO_HAS_OPENSSL
            // The watchdog bounds the handshake by the connect timeout: a peer that never answers
            // the ClientHello would otherwise hold the connection forever.
            state_ = state::handshaking;
            handshake_deadline_ = rt_.now() + timeout;
            ++live_coroutines_;
            start_background(watchdog_loop(live));
            auto made = make_tls(std::move(*s));
            if (!made) {
                close(made.err());
                co_return std::move(made).err();
            }
            tls_.emplace(std::move(*made));
            auto h = co_await tls_->handshake();
            if (generation_ != live) co_return closed_because_;
            if (!h) {
                close(h.err());
                co_return std::move(h).err();
            }
            state_ = state::negotiating;
#else
            s->close();
            state_ = state::closed;
            co_return error(errc::bad_config, "security_protocol " + std::string(security_protocol_name(protocol)) +
                                                  " needs TLS, and this build of kcoro has no OpenSSL (KCORO_WITH_OPENSSL)");
#endif
        } else {
            stream_.emplace(std::move(*s));
            state_ = state::negotiating;
            ++live_coroutines_;
            start_background(watchdog_loop(live));
        }
        ++live_coroutines_;
        start_background(read_loop(live));

        // ApiVersions v3+ carries the client's name; an old broker answers UNSUPPORTED_VERSION with
        // its own ranges in a v0 body, after which v0 is safe.
        api_versions_request req;
        auto r = co_await roundtrip_unnegotiated(req, api_versions_request::max_version, deadline);
        if (r && r->error_code == errc::unsupported_version) r = co_await roundtrip_unnegotiated(req, 0, deadline);
        if (!r) {
            close(r.err());
            if (!r.err().detail().empty()) co_return std::move(r).err();
            co_return error(r.code(), "ApiVersions with " + where());
        }
        if (r->error_code != errc::none) {
            close(error(r->error_code));
            co_return error(r->error_code, "ApiVersions with " + host_ + ":" + std::to_string(port_));
        }
        versions_ = to_version_ranges(*r);
        if (uses_sasl(protocol)) {
            auto a = co_await authenticate();
            if (!a) {
                close(a.err());
                co_return std::move(a).err();
            }
        }
        state_ = state::ready;
        co_return ok();
    }

    // Sends a request at the highest version both sides speak and awaits its decoded response.
    template <kafka_request Req>
    task<result<typename Req::response_type>> request(const Req& req) {
        auto v = negotiate<Req>(versions_);
        if (!v) co_return std::move(v).err();
        if (reauth_pending()) {
            auto a = co_await reauthenticate();
            if (!a) co_return std::move(a).err();
        }
        co_return co_await roundtrip_unnegotiated(req, *v);
    }

    template <kafka_request Req>
    task<result<typename Req::response_type>> request(const Req& req, std::int16_t version) {
        if (reauth_pending()) {
            auto a = co_await reauthenticate();
            if (!a) co_return std::move(a).err();
        }
        co_return co_await roundtrip_unnegotiated(req, version);
    }

    // The same, given up at `deadline` when that comes before request_timeout: the caller resumes
    // then with errc::timed_out (the broker may have carried the request out), and the answer,
    // when it comes, is dropped. A deadline already past sends nothing.
    template <kafka_request Req>
    task<result<typename Req::response_type>> request(const Req& req, std::int16_t version, steady_time deadline) {
        if (deadline <= rt_.now())
            co_return error(errc::timed_out, std::string(api_name(Req::api_key)) + " to " + where() + " not sent: the call's timeout has passed");
        if (reauth_pending()) {
            auto a = co_await reauthenticate();
            if (!a) co_return std::move(a).err();
        }
        co_return co_await roundtrip_unnegotiated(req, version, deadline);
    }

    // A request whose response the broker never sends (Produce with acks=0): resumes once written.
    template <kafka_request Req>
    task<result<void>> send_only(const Req& req, std::int16_t version) {
        if (reauth_pending()) {
            auto a = co_await reauthenticate();
            if (!a) co_return a;
        }
        active_request_guard guard(active_requests_);
        if (state_ != state::ready) co_return error(errc::connection_lost, "not connected to " + host_);
        byte_buffer frame;
        std::vector<spliced_bytes> splices;
        encode_frame(frame, splices, req, version, next_correlation_id_++);
        co_return co_await write_frame(frame, splices);
    }

    // Closes the stream; every outstanding requester resumes with `why`.
    void close(const error& why = error(errc::connection_lost)) {
        if (state_ == state::closed) return;
        state_ = state::closed;
        closed_because_ = why;
        ++generation_;
        if (stream_) stream_->close();
#if KCORO_HAS_OPENSSL
        if (tls_) tls_->close();
#endif
        fail_all(why);
        watchdog_.notify();
    }

    // Background coroutines or requests still running on this object: it must outlive them.
    bool busy() const noexcept { return live_coroutines_ > 0 || active_requests_ > 0 || !waiters_.empty(); }

    std::string where() const { return host_ + ":" + std::to_string(port_); }
    // Why the connection closed (connection_lost when it was asked to, without a reason).
    const error& closed_because() const noexcept { return closed_because_; }

private:

#if KCORO_HAS_OPENSSL
    result<tls_stream<stream_type>> make_tls(stream_type s) {
        auto ctx = tls_context_->get(*config_);
        if (!ctx) {
            s.close();
            return error(ctx.code(), "TLS to " + where() + ": " + ctx.err().detail());
        }
        return tls_stream<stream_type>::create(std::move(s), **ctx, host_, where());
    }
#endif

    // SaslHandshake v1, then SaslAuthenticate until the mechanism is done (KIP-152). v0 of the
    // handshake would put the SASL bytes on the wire unframed, which kcoro does not speak.
    task<result<void>> authenticate() {
        std::optional<oauthbearer_token> token;
        if (config_->sasl_mechanism == sasl_mechanism::oauthbearer) {
            auto t = bearer_token();
            if (!t) co_return std::move(t).err();
            token.emplace(std::move(*t));
        }
        std::optional<sasl_authenticator> auth;
        if (token) auth.emplace(*token, where());
        else auth.emplace(config_->sasl_mechanism, config_->sasl_username, config_->sasl_password, where());
        auto r = co_await login(*auth);
        if (token) wipe(token->value);
        co_return r;
    }

    // KIP-368: a broker with connections.max.reauth.ms gives each login a session lifetime and
    // closes a connection used for anything but a new login after it ends. So the first request
    // made once the session is 85% through logs in again on the live connection first (with a
    // fresh OAUTHBEARER token); requests made meanwhile wait for it, and those already written are
    // answered before it, as the broker takes a connection's requests in order.
    // Cheap enough for every request: a clock read only on a connection with a session lifetime.
    bool reauth_pending() const noexcept {
        return reauthenticating_ || (reauth_at_ != steady_time::max() && state_ == state::ready && rt_.now() >= reauth_at_);
    }
    task<result<void>> reauthenticate() {
        active_request_guard guard(active_requests_);
        if (reauthenticating_) {
            co_await reauth_awaiter{this};
            if (state_ != state::ready) co_return closed_because_;
            co_return ok();
        }
        reauthenticating_ = true;
        auto a = co_await authenticate();
        reauthenticating_ = false;
        for (auto h : reauth_waiters_) rt_.post(h);
        reauth_waiters_.clear();
        if (!a) {
            close(a.err());
            co_return a;
        }
        co_return ok();
    }
    struct reauth_awaiter {
        broker_connection* c;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) { c->reauth_waiters_.push_back(h); }
        void await_resume() const noexcept {}
    };

    // The token this login sends: the application's provider's, or an unsecured one made now.
    result<oauthbearer_token> bearer_token() const {
        const auto refused = [&](std::string why) {
            return error(errc::sasl_authentication_failed, "SASL OAUTHBEARER login at broker " + where() + " failed: " + std::move(why));
        };
        if (config_->enable_sasl_oauthbearer_unsecure_jwt) {
            auto j = unsecured_jwt::parse(config_->sasl_oauthbearer_config);
            if (!j) return refused(j.err().detail());
            return j->make(std::chrono::system_clock::now());
        }
        if (!config_->sasl_oauthbearer_token_provider) return refused("no sasl_oauthbearer_token_provider is set");
        auto t = config_->sasl_oauthbearer_token_provider();
        if (!t) return refused("the token provider: " + std::string(t.err().message()));
        const auto now = std::chrono::system_clock::now();
        if (t->expiry == std::chrono::system_clock::time_point{}) return refused("the token provider's token has no expiry");
        if (t->expiry <= now) {
            const auto ago = std::chrono::duration_cast<std::chrono::seconds>(now - t->expiry).count();
            return refused("the token provider's token expired " + std::to_string(ago) + " s ago");
        }
        return t;
    }

    // `auth` outlives the login: authenticate() awaits it.
    task<result<void>> login(sasl_authenticator& auth) {
        if (!versions_.supports(sasl_handshake_request::api_key) || versions_.max(sasl_handshake_request::api_key) < 1 ||
            !versions_.supports(sasl_authenticate_request::api_key))
            co_return error(errc::unsupported_sasl_mechanism, "broker " + where() + " offers no SaslHandshake v1 and SaslAuthenticate: "
                                                              "it is older than Kafka 1.0, or not a SASL listener");
        sasl_handshake_request hs;
        hs.mechanism = auth.mechanism_name();
        auto h = co_await roundtrip_unnegotiated(hs, 1);
        if (!h) co_return std::move(h).err();
        if (h->error_code == errc::illegal_sasl_state)
            co_return error(errc::illegal_sasl_state, "broker " + where() + " does not expect a SASL login: is it a PLAINTEXT or SSL listener? "
                                                                             "(security_protocol is " +
                                                          std::string(security_protocol_name(config_->security_protocol)) + ")");
        if (auto r = auth.on_handshake(*h); !r) co_return r;
        auto version = negotiate<sasl_authenticate_request>(versions_);
        if (!version) co_return std::move(version).err();
        auto message = auth.first_message();
        if (!message) co_return std::move(message).err();
        std::string out = std::move(*message);
        for (;;) {
            sasl_authenticate_request req;
            req.auth_bytes = bytes_view(reinterpret_cast<const byte*>(out.data()), out.size());
            auto r = co_await roundtrip_unnegotiated(req, *version);
            wipe(out);
            if (!r) co_return std::move(r).err();
            auto next = auth.on_authenticate(*r);
            if (!next) co_return std::move(next).err();
            if (!*next) {
                // Logging in again at 85% of the session leaves the rest for the login itself.
                const std::int64_t life = auth.session_lifetime_ms();
                reauth_at_ = life > 0 ? rt_.now() + std::chrono::milliseconds(life - life * 15 / 100) : steady_time::max();
                co_return ok();
            }
            out = std::move(**next);
        }
    }

    // What may hold a password (PLAIN's message) is overwritten before it is freed.
    static void wipe(std::string& s) noexcept {
        volatile char* p = s.data();
        for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
        s.clear();
    }

    void start_background(detail::detached_task t) {
        if (scope_ != nullptr) detail::start_detached(rt_, *scope_, t);
        else detail::start_detached(rt_, t);
    }

    static const char* api_name(std::int16_t key) noexcept {
        switch (key) {
            case 0: return "Produce";
            case 3: return "Metadata";
            case 10: return "FindCoordinator";
            case 17: return "SaslHandshake";
            case 18: return "ApiVersions";
            case 22: return "InitProducerId";
            case 26: return "EndTxn";
            case 28: return "TxnOffsetCommit";
            case 36: return "SaslAuthenticate";
            default: return "a request";
        }
    }

    // The peer ended the stream (or sent what no Kafka broker sends) before it answered anything
    // but ApiVersions: the usual sign of a listener that wants TLS or SASL first.
    error hung_up(const error& e) const {
        // A TLS failure names the broker and says why itself (a refused client certificate, say).
        if (e.code() == errc::tls_failed) return e;
        if (answered_past_versions_ || waiters_.empty()) return error(e.code(), "reading from " + where() + ": " + e.detail());
        return error(errc::connection_lost, "broker " + where() + " closed the connection during " +
                                                api_name(waiters_.front().api_key) + ": is this a TLS or SASL listener?");
    }
    enum class state { closed, connecting, handshaking, negotiating, ready };

    bool has_stream() const noexcept {
#if KCORO_HAS_OPENSSL
        if (tls_) return true;
#endif
        return stream_.has_value();
    }

    // A requester awaiting its answer, in its own frame.
    struct waiter {
        std::int16_t response_header_version = 0;
        steady_time deadline = steady_time::max();  // the caller's own, when before request_timeout
        byte_buffer* frame = nullptr;       // where the reader puts the response (after the size)
        error* failure = nullptr;
        std::coroutine_handle<> handle;
        bool done = false;
        bool given_up = false;  // resumed at its deadline, before the answer
    };

    // A request sent and not answered yet, in the order sent. The connection holds it, not the
    // requester: `w` is null once the requester gave up, and the answer is then checked and dropped.
    struct outstanding {
        waiter* w = nullptr;
        std::int32_t correlation_id = 0;
        std::int16_t api_key = 0;
        steady_time expires{};  // sent + request_timeout: the broker is taken for stuck past it
    };

    // Suspends until the reader or the watchdog completes the waiter.
    struct response_awaiter {
        broker_connection& c;
        waiter* w;
        bool await_ready() const noexcept { return w->done; }
        void await_suspend(std::coroutine_handle<> h) noexcept { w->handle = h; }
        void await_resume() const noexcept {}
    };

    // Encodes size, header and body into `out`, except large blobs the request refers to (record
    // batches), which go to `splices` and are written from where they are.
    template <class Req>
    void encode_frame(byte_buffer& out, std::vector<spliced_bytes>& splices, const Req& req, std::int16_t version,
                      std::int32_t correlation_id) {
        out.clear();
        splices.clear();
        wire_writer w(out, &splices);
        w.i32(0);  // size, back-filled
        const request_header header{.request_api_key = Req::api_key,
                                    .request_api_version = version,
                                    .correlation_id = correlation_id,
                                    .client_id = std::string_view(client_id_)};
        header.encode(w, Req::request_header_version(version));
        req.encode(w, version);
        const auto size = static_cast<std::uint32_t>(out.size() - 4 + w.spliced_size());
        out[0] = static_cast<byte>(size >> 24);
        out[1] = static_cast<byte>(size >> 16);
        out[2] = static_cast<byte>(size >> 8);
        out[3] = static_cast<byte>(size);
    }

    struct active_request_guard {
        int& n;
        explicit active_request_guard(int& c) : n(c) { ++n; }
        ~active_request_guard() { --n; }
    };

    template <class Req>
    task<result<typename Req::response_type>> roundtrip_unnegotiated(const Req& req, std::int16_t version,
                                                                      steady_time deadline = steady_time::max()) {
        using response = typename Req::response_type;
        active_request_guard guard(active_requests_);
        if (state_ != state::ready && state_ != state::negotiating)
            co_return error(errc::connection_lost, "not connected to " + host_ + ":" + std::to_string(port_));
        byte_buffer frame;
        std::vector<spliced_bytes> splices;
        const std::int32_t corr = next_correlation_id_++;
        encode_frame(frame, splices, req, version, corr);

        byte_buffer response_frame;
        error failure;
        waiter w;
        w.response_header_version = Req::response_header_version(version);
        w.frame = &response_frame;
        w.failure = &failure;
        const steady_time expires = rt_.now() + request_timeout_;
        if (deadline < expires) {
            w.deadline = deadline;
            ++own_deadlines_;
        }
        waiters_.push_back({.w = &w, .correlation_id = corr, .api_key = Req::api_key, .expires = expires});
        // The first request outstanding arms the watchdog (as it always has); a later one only when
        // its own deadline comes before the watchdog's next wake.
        if (waiters_.size() == 1 || w.deadline < watchdog_at_) watchdog_.notify();

        auto written = co_await write_frame(frame, splices);
        // A requester that gave up while its frame was being written still loses a broken connection.
        if (!written && (!w.done || w.given_up)) {
            close(hung_up(written.err()));
        }
        co_await response_awaiter{*this, &w};
        if (failure) co_return failure;

        wire_reader r(response_frame.view());
        auto header = response_header::decode(r, w.response_header_version);
        if (!header || header->correlation_id != corr) co_return error(errc::malformed_response, "response header");
        auto decoded = response::decode(r, version);
        if (!decoded) {
            // A broker that answers garbage loses its connection, nothing else.
            close(error(errc::malformed_response));
            co_return error(decoded.code(), std::string("decoding a response from ") + host_ + ":" + std::to_string(port_));
        }
        // Responses that keep views into the frame take the frame with them (moving a
        // byte_buffer keeps its bytes where they are, so the views stay valid).
        if constexpr (requires { decoded->owned_frame; }) decoded->owned_frame = std::move(response_frame);
        co_return decoded;
    }

    // Writes are serialized: a second writer waits until the first has finished, so frames never
    // interleave on the stream.
    task<result<void>> write_frame(const byte_buffer& frame, const std::vector<spliced_bytes>& splices) {
        while (writing_) {
            write_gate_waiter g;
            g.next = nullptr;
            if (write_gate_tail_) write_gate_tail_->next = &g;
            else write_gate_head_ = &g;
            write_gate_tail_ = &g;
            co_await gate_awaiter{&g};
        }
        if (state_ == state::closed || !has_stream()) {
            release_write_gate();
            co_return error(errc::connection_lost);
        }
        writing_ = true;
        // The frame's own bytes with the spliced blobs put back in place (one writer at a time, so
        // one parts vector serves every write).
        write_parts_.clear();
        std::size_t from = 0;
        for (const auto& sp : splices) {
            write_parts_.push_back(frame.view().subspan(from, sp.at - from));
            write_parts_.push_back(sp.bytes);
            from = sp.at;
        }
        write_parts_.push_back(frame.view().subspan(from));
        const std::span<const bytes_view> parts(write_parts_);
        result<void> r = ok();
#if KCORO_HAS_OPENSSL
        if (tls_) r = co_await tls_->write(parts);
        else
#endif
            r = co_await stream_->write(parts);
        writing_ = false;
        release_write_gate();
        co_return r;
    }

    struct write_gate_waiter {
        std::coroutine_handle<> handle;
        write_gate_waiter* next = nullptr;
    };
    struct gate_awaiter {
        write_gate_waiter* g;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) noexcept { g->handle = h; }
        void await_resume() const noexcept {}
    };
    void release_write_gate() {
        if (write_gate_head_ == nullptr) return;
        write_gate_waiter* g = write_gate_head_;
        write_gate_head_ = g->next;
        if (write_gate_head_ == nullptr) write_gate_tail_ = nullptr;
        rt_.post(g->handle);
    }

    void complete_front(byte_buffer&& frame_body) {
        const outstanding o = waiters_.front();
        waiters_.pop_front();
        if (o.api_key != api_versions_request::api_key) answered_past_versions_ = true;
        if (o.w == nullptr) return;  // its requester gave up: the answer is dropped
        *o.w->frame = std::move(frame_body);
        finish(*o.w);
    }

    void fail_all(const error& why) {
        while (!waiters_.empty()) {
            const outstanding o = waiters_.front();
            waiters_.pop_front();
            if (o.w == nullptr) continue;
            *o.w->failure = why;
            finish(*o.w);
        }
    }

    // The requester's deadline passed before the answer: it resumes with the outcome unknown; the
    // request stays outstanding, so that its answer is read in its turn.
    void give_up(outstanding& o) {
        waiter* w = std::exchange(o.w, nullptr);
        std::string m(api_name(o.api_key));
        m += " to ";
        m += where();
        m += " was not answered within the call's timeout: the broker may have carried it out, so its outcome is unknown "
             "(the connection stays up and drops the answer when it comes)";
        *w->failure = error(errc::timed_out, std::move(m));
        w->given_up = true;
        finish(*w);
    }

    void finish(waiter& w) {
        if (w.deadline != steady_time::max()) --own_deadlines_;
        w.done = true;
        if (w.handle) rt_.post(w.handle);
    }

    detail::detached_task read_loop(std::uint64_t gen) {
        byte_buffer in;
        in.reserve(64 * 1024);
        std::size_t start = 0;
        for (;;) {
            // Parse every complete frame already buffered.
            while (in.size() - start >= 4) {
                const byte* p = in.data() + start;
                const std::uint32_t size = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
                                           (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
                if (size < 4 || size > max_response_size) {
                    // A TLS listener answers plaintext with a TLS record (type 21 or 22, version 3.x).
                    const bool tls = (p[0] == 21 || p[0] == 22) && p[1] == 3;
                    if (!answered_past_versions_ && tls)
                        close(error(errc::malformed_response, "broker " + where() + " answered " +
                                                                   (waiters_.empty() ? "" : std::string(api_name(waiters_.front().api_key)) + " ") +
                                                                   "with a TLS record: it is a TLS listener"));
                    else close(error(errc::malformed_response, "response frame size " + std::to_string(size)));
                    break;
                }
                if (in.size() - start - 4 < size) break;
                if (waiters_.empty()) {
                    close(error(errc::malformed_response, "a response nobody asked for"));
                    break;
                }
                const std::int32_t corr = static_cast<std::int32_t>(
                    (std::uint32_t(p[4]) << 24) | (std::uint32_t(p[5]) << 16) | (std::uint32_t(p[6]) << 8) | std::uint32_t(p[7]));
                if (corr != waiters_.front().correlation_id) {
                    close(error(errc::malformed_response, "correlation id out of order"));
                    break;
                }
                byte_buffer body(bytes_view(p + 4, size));
                start += 4 + size;
                complete_front(std::move(body));
            }
            if (gen != generation_ || state_ == state::closed) break;
            // Compact what was consumed, then read more.
            if (start > 0) {
                std::memmove(in.data(), in.data() + start, in.size() - start);
                in.resize(in.size() - start);
                start = 0;
            }
            const std::size_t old = in.size();
            in.resize(old + 64 * 1024);
            const mutable_bytes into(in.data() + old, 64 * 1024);
            // Not a conditional expression: g++ 12 mishandles co_await inside one.
            result<std::size_t> n = std::size_t{0};
#if KCORO_HAS_OPENSSL
            if (tls_) n = co_await tls_->read_some(into);
            else
#endif
                n = co_await stream_->read_some(into);
            if (gen != generation_ || state_ == state::closed) break;
            if (!n) {
                close(hung_up(n.err()));
                break;
            }
            in.resize(old + *n);
        }
        --live_coroutines_;
    }

    // Closes the connection when the oldest request outlives request_timeout: the broker is gone
    // or stuck, and everything on this connection is retried elsewhere. Resumes each requester
    // whose own deadline passes first, wherever it is in the queue (requests sent together may
    // have deadlines in any order; request_timeout is the same for all, so the oldest's comes first).
    detail::detached_task watchdog_loop(std::uint64_t gen) {
        for (;;) {
            if (gen != generation_ || state_ == state::closed) break;
            // The handshake's deadline, the first request outstanding, or close() wakes it.
            steady_time next = steady_time::max();
            if (state_ == state::handshaking) {
                if (rt_.now() >= handshake_deadline_) {
                    close(error(errc::tls_failed, "TLS handshake with broker " + where() + " did not finish within socket_connection_setup_timeout"));
                    break;
                }
                next = handshake_deadline_;
            }
            if (!waiters_.empty()) {
                const steady_time now = rt_.now();
                if (now >= waiters_.front().expires) {
                    close(error(errc::request_timed_out, "no response from " + host_ + ":" + std::to_string(port_) +
                                                             " within request_timeout"));
                    break;
                }
                next = std::min(next, waiters_.front().expires);
                if (own_deadlines_ > 0)
                    for (outstanding& o : waiters_) {
                        if (o.w == nullptr || o.w->deadline == steady_time::max()) continue;
                        if (now >= o.w->deadline) give_up(o);
                        else next = std::min(next, o.w->deadline);
                    }
            }
            watchdog_at_ = next;
            co_await watchdog_.wait_until(next);
            watchdog_at_ = steady_time::min();  // running: a new deadline needs no wake-up
        }
        --live_coroutines_;
    }

    static constexpr std::uint32_t max_response_size = 256u * 1024 * 1024;

    R& rt_;
    std::string host_;
    std::uint16_t port_;
    std::string client_id_;
    std::optional<stream_type> stream_;
#if KCORO_HAS_OPENSSL
    std::optional<tls_stream<stream_type>> tls_;  // instead of stream_ when security_protocol uses TLS
    shared_tls_context own_tls_context_;          // for a connection its owner gives no shared one
    shared_tls_context* tls_context_ = &own_tls_context_;
#endif
    const producer_config* config_ = nullptr;      // the security settings; none: PLAINTEXT
    steady_time handshake_deadline_{};
    error closed_because_;
    state state_ = state::closed;
    api_version_ranges versions_;
    std::deque<outstanding> waiters_;
    int own_deadlines_ = 0;                          // waiting requesters with a deadline of their own
    steady_time watchdog_at_ = steady_time::min();   // when the watchdog wakes next (min: not asleep)
    std::int32_t next_correlation_id_ = 1;
    std::uint64_t generation_ = 0;
    std::chrono::milliseconds request_timeout_{30000};
    detail::wake_signal<R> watchdog_;
    bool writing_ = false;
    steady_time reauth_at_ = steady_time::max();  // when the login is repeated (KIP-368)
    bool reauthenticating_ = false;
    std::vector<std::coroutine_handle<>> reauth_waiters_;  // requests made during it
    std::vector<bytes_view> write_parts_;  // the parts of the frame being written
    write_gate_waiter* write_gate_head_ = nullptr;
    write_gate_waiter* write_gate_tail_ = nullptr;
    int live_coroutines_ = 0;
    int active_requests_ = 0;
    detail::detached_scope* scope_ = nullptr;
    bool answered_past_versions_ = false;  // a response to anything but ApiVersions arrived
};

KCORO_NAMESPACE_END
