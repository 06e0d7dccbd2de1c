// A Schema Registry client speaking Confluent's REST API (Confluent Schema Registry, Apicurio's
// ccompat API, Redpanda, Karapace) over HTTP/1.1 on the runtime's byte streams: the runtime that
// runs the producer runs it, on its executor, with no thread. One connection, kept alive and
// opened again when the registry closed it; one request at a time on it, in the order asked.
//
// Ids are cached: by (subject, schema) for register and look-up (the schema's Parsing Canonical
// Form for an avro::schema, its text for a string), by id for fetches, so that a serializer made
// twice for the same subject asks once; a subject's latest version for latest_cache_ttl, and
// forgotten when this client registers a schema under the subject. Every request is bounded by
// request_timeout, the connect included. Errors are values: what the registry answered
// (schema_registry_category(): its error_code, the HTTP status and its message in the detail), or
// why it could not be asked (connection_failed, timed_out, connection_lost, malformed_http).
// Destroy the client only once no request is in flight: a request's coroutine refers to it until
// it returns.
//
//   auto registry = kcoro::schema_registry_client<kcoro::event_loop_runtime>::create(
//       rt, {.url = "http://127.0.0.1:8081", .basic_auth_user_info = "user:secret"});
//   auto id = co_await (*registry)->register_schema("orders-value", schema);   // result<std::int32_t>
#pragma once

#include "../avro/schema.hpp"
#include "../bytes.hpp"
#include "../detail/base64.hpp"
#include "../detail/prelude.hpp"
#include "../error.hpp"
#include "../http/http_request.hpp"
#include "../http/http_response.hpp"
#include "../http/http_response_parser.hpp"
#include "../json/json_reader.hpp"
#include "../json/json_value.hpp"
#include "../json/json_writer.hpp"
#include "../result.hpp"
#include "../runtime/detached_task.hpp"
#include "../runtime/runtime_concepts.hpp"
#include "../runtime/task.hpp"
#include "schema_registry_error.hpp"

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct schema_registry_config {
    // http://host[:port][/base path], e.g. "http://127.0.0.1:8081" (Confluent) or
    // "http://127.0.0.1:8080/apis/ccompat/v7" (Apicurio).
    std::string url;
    // Bounds each request, from the connect to the response's last byte.
    std::chrono::milliseconds request_timeout{30000};
    // Sent with every request, e.g. {"Authorization", "Bearer ..."}.
    std::vector<std::pair<std::string, std::string>> headers{};
    // "user:password" for HTTP Basic authentication (RFC 7617), sent as "Authorization: Basic
    // <base64>" with every request; empty for none. Confluent's basic.auth.user.info, with
    // basic.auth.credentials.source=USER_INFO. It never appears in an error.
    std::string basic_auth_user_info{};
    // How long latest_version() answers a subject from what it last read: negative, for the
    // client's lifetime (Confluent's latest.cache.ttl.sec default, -1); zero, never cached.
    std::chrono::milliseconds latest_cache_ttl{-1};
    http_limits limits{};
};

// A schema as the registry holds it.
struct registered_schema {
    std::int32_t id = -1;
    std::string schema;              // its text, as the registry returns it
    std::string schema_type = "AVRO";
    std::string subject;             // empty when fetched by id
    std::int32_t version = -1;       // -1 when fetched by id
};

namespace detail {
// Percent-encodes a path segment (RFC 3986 unreserved characters stay as they are).
inline std::string percent_encode_segment(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xf]);
        }
    }
    return out;
}

struct registry_endpoint {
    std::string host;
    std::uint16_t port = 80;
    std::string host_header;  // host[:port], as the Host header says it
    std::string base_path;    // without a trailing '/'; empty for the root
};

inline result<registry_endpoint> parse_registry_url(std::string_view url) {
    const auto bad = [&](std::string why) { return error(errc::bad_config, "schema registry url \"" + std::string(url) + "\": " + std::move(why)); };
    constexpr std::string_view http = "http://";
    if (url.starts_with("https://")) return bad("https needs TLS, which the registry client does not speak yet: use http://");
    if (!url.starts_with(http)) return bad("must start with http://");
    std::string_view rest = url.substr(http.size());
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (authority.empty()) return bad("has no host");
    if (authority.find('@') != std::string_view::npos) return bad("credentials belong in headers (Authorization), not in the url");
    if (path.find_first_of("?#") != std::string_view::npos) return bad("may not hold a query or a fragment");
    registry_endpoint ep;
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("has an unclosed '[' in its host");
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("has text after its IPv6 address");
            port = after.substr(1);
        }
    } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return bad("has no host");
    if (!port.empty()) {
        std::uint32_t p = 0;
        for (char c : port) {
            if (c < '0' || c > '9' || p > 65535) return bad("has an invalid port");
            p = p * 10 + static_cast<std::uint32_t>(c - '0');
        }
        if (p == 0 || p > 65535) return bad("has an invalid port");
        ep.port = static_cast<std::uint16_t>(p);
    }
    ep.host = std::string(host);
    ep.host_header = std::string(authority);
    ep.base_path = std::string(path);
    for (char c : ep.base_path) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return bad("has a space, a control or a non-ASCII character in its path");
    }
    return ep;
}

// The registry's error body, {"error_code": 40401, "message": "..."}, when it is one.
struct registry_error_body {
    std::optional<std::int64_t> code;
    std::string message;
};
inline registry_error_body read_registry_error(std::string_view body) {
    registry_error_body out;
    auto doc = parse_json(body);
    if (!doc || !doc->is_object()) return out;
    if (const json_value* c = doc->find("error_code")) out.code = c->as_int64();
    if (const json_value* m = doc->find("message"); m && m->is_string()) out.message = std::string(m->as_string());
    return out;
}
}  // namespace detail

template <class Runtime>
    requires executor<Runtime> && runtime_connect<Runtime> && runtime_make_timer<Runtime> && runtime_now<Runtime>
class schema_registry_client {
public:
    using stream_type = typename Runtime::stream_type;

    // Checks the configuration; connects at the first request.
    static result<std::unique_ptr<schema_registry_client>> create(Runtime rt, schema_registry_config config) {
        auto ep = detail::parse_registry_url(config.url);
        if (!ep) return std::move(ep).err();
        if (config.request_timeout.count() <= 0) return error(errc::bad_config, "schema registry: request_timeout must be > 0");
        for (const auto& [name, value] : config.headers) {
            const http_header h{name, value};
            byte_buffer probe;
            KCORO_TRY(write_http_request({.method = "GET", .target = "/", .host = "h", .headers = std::span(&h, 1)}, probe));
            if (!config.basic_auth_user_info.empty() && detail::http_iequals(name, "Authorization"))
                return error(errc::bad_config, "schema registry: basic_auth_user_info and an Authorization header in headers: set one");
        }
        std::string authorization;
        if (!config.basic_auth_user_info.empty()) {
            if (config.basic_auth_user_info.find(':') == std::string::npos)
                return error(errc::bad_config, "schema registry: basic_auth_user_info must be \"user:password\" (it has no ':')");
            authorization = "Basic ";
            detail::base64_encode_into(authorization, reinterpret_cast<const unsigned char*>(config.basic_auth_user_info.data()),
                                       config.basic_auth_user_info.size());
        }
        return std::unique_ptr<schema_registry_client>(
            new schema_registry_client(std::move(rt), std::move(config), std::move(*ep), std::move(authorization)));
    }

    schema_registry_client(const schema_registry_client&) = delete;
    schema_registry_client& operator=(const schema_registry_client&) = delete;
    ~schema_registry_client() {
        if (stream_) stream_->close();
    }

    // ---- by subject and schema (cached) ------------------------------------------------------

    // Registers the schema under the subject (POST /subjects/{subject}/versions) and returns its id;
    // the registry answers with the existing id when the subject already holds the schema.
    task<result<std::int32_t>> register_schema(std::string subject, avro::schema schema) {
        return id_of(std::move(subject), std::string(schema.text()), "AVRO", std::string(schema.canonical_form()), true);
    }
    task<result<std::int32_t>> register_schema(std::string subject, std::string schema, std::string schema_type) {
        std::string key = schema;
        return id_of(std::move(subject), std::move(schema), std::move(schema_type), std::move(key), true);
    }
    // The id of a schema the subject already holds (POST /subjects/{subject}), without registering:
    // schema_registry_errc::subject_not_found or schema_not_found when it holds no such schema.
    task<result<std::int32_t>> lookup_schema(std::string subject, avro::schema schema) {
        return id_of(std::move(subject), std::string(schema.text()), "AVRO", std::string(schema.canonical_form()), false);
    }
    task<result<std::int32_t>> lookup_schema(std::string subject, std::string schema, std::string schema_type) {
        std::string key = schema;
        return id_of(std::move(subject), std::move(schema), std::move(schema_type), std::move(key), false);
    }

    // ---- by id (cached) ----------------------------------------------------------------------

    // GET /schemas/ids/{id}.
    task<result<registered_schema>> schema_by_id(std::int32_t id) {
        if (auto it = by_id_.find(id); it != by_id_.end()) co_return it->second;
        auto r = co_await request("GET", "/schemas/ids/" + std::to_string(id), std::nullopt);
        if (!r) co_return std::move(r).err();
        const json_value& doc = *r;
        const json_value* s = doc.find("schema");
        if (s == nullptr || !s->is_string()) co_return reply_error("GET /schemas/ids/" + std::to_string(id), "has no \"schema\" string");
        registered_schema out;
        out.id = id;
        out.schema = std::string(s->as_string());
        if (const json_value* t = doc.find("schemaType"); t && t->is_string()) out.schema_type = std::string(t->as_string());
        by_id_.emplace(id, out);
        co_return out;
    }

    // ---- latest version (cached for latest_cache_ttl) ----------------------------------------

    // The subject's latest version (GET /subjects/{subject}/versions/latest), as last read if that
    // was less than latest_cache_ttl ago and this client has registered nothing under it since.
    task<result<registered_schema>> latest_version(std::string subject) {
        const auto ttl = config_.latest_cache_ttl;
        if (auto it = latest_.find(subject); it != latest_.end()) {
            if (ttl.count() < 0 || rt_.now() - it->second.read_at < ttl) co_return it->second.schema;
            latest_.erase(it);
        }
        const std::string target = "/subjects/" + detail::percent_encode_segment(subject) + "/versions/latest";
        auto r = co_await request("GET", target, std::nullopt);
        if (!r) co_return std::move(r).err();
        auto out = read_subject_version(*r, "GET " + target);
        if (out && ttl.count() != 0) latest_.insert_or_assign(std::move(subject), cached_latest{*out, rt_.now()});
        co_return out;
    }

    // ---- uncached --------------------------------------------------------------------------------

    // Sets the subject's compatibility level (PUT /config/{subject}): "BACKWARD", "FORWARD",
    // "FULL", "NONE", or their _TRANSITIVE forms.
    task<result<void>> set_compatibility(std::string subject, std::string level) {
        std::string body = "{\"compatibility\":";
        append_json_string(body, level);
        body.push_back('}');
        auto r = co_await request("PUT", "/config/" + detail::percent_encode_segment(subject), std::move(body));
        if (!r) co_return std::move(r).err();
        co_return ok();
    }

    // HTTP requests sent so far (each attempt counts), for checking that records do not cause any.
    std::uint64_t requests_sent() const noexcept { return requests_sent_; }
    const schema_registry_config& config() const noexcept { return config_; }

private:
    schema_registry_client(Runtime rt, schema_registry_config config, detail::registry_endpoint ep, std::string authorization)
        : rt_(std::move(rt)), config_(std::move(config)), ep_(std::move(ep)), authorization_(std::move(authorization)) {}

    task<result<std::int32_t>> id_of(std::string subject, std::string schema, std::string schema_type, std::string key, bool do_register) {
        auto cache_key = std::make_pair(subject, std::move(key));
        if (auto it = ids_.find(cache_key); it != ids_.end()) co_return it->second;
        std::string body = "{\"schema\":";
        append_json_string(body, schema);
        // AVRO is the API's default, and the only type registries of before 5.5 understand.
        if (schema_type != "AVRO") {
            body.append(",\"schemaType\":");
            append_json_string(body, schema_type);
        }
        body.push_back('}');
        std::string target = "/subjects/" + detail::percent_encode_segment(subject);
        if (do_register) target += "/versions";
        auto r = co_await request("POST", target, std::move(body));
        if (!r) co_return std::move(r).err();
        const json_value* id = r->find("id");
        const auto v = id ? id->as_int64() : std::nullopt;
        if (!v || *v < 0 || *v > 0x7fffffff) co_return reply_error("POST " + target, "has no schema \"id\" that fits 32 bits");
        const auto out = static_cast<std::int32_t>(*v);
        if (do_register) latest_.erase(cache_key.first);  // the subject may have a new latest version
        ids_.emplace(std::move(cache_key), out);
        co_return out;
    }

    result<registered_schema> read_subject_version(const json_value& doc, const std::string& what) const {
        registered_schema out;
        const json_value* id = doc.find("id");
        const json_value* version = doc.find("version");
        const json_value* s = doc.find("schema");
        const auto idv = id ? id->as_int64() : std::nullopt;
        const auto ver = version ? version->as_int64() : std::nullopt;
        if (!idv || !ver || s == nullptr || !s->is_string() || *idv < 0 || *idv > 0x7fffffff || *ver < 0 || *ver > 0x7fffffff)
            return reply_error(what, "lacks an \"id\", a \"version\" or a \"schema\"");
        out.id = static_cast<std::int32_t>(*idv);
        out.version = static_cast<std::int32_t>(*ver);
        out.schema = std::string(s->as_string());
        if (const json_value* t = doc.find("schemaType"); t && t->is_string()) out.schema_type = std::string(t->as_string());
        if (const json_value* sub = doc.find("subject"); sub && sub->is_string()) out.subject = std::string(sub->as_string());
        return out;
    }

    std::string where() const { return "schema registry " + config_.url; }

    error reply_error(const std::string& what, std::string_view why) const {
        return error(errc::malformed_response, where() + ": the answer to " + what + " " + std::string(why));
    }

    // ---- one request at a time ---------------------------------------------------------------

    struct turn_awaiter {
        schema_registry_client* c;
        bool await_ready() noexcept {
            if (c->busy_) return false;
            c->busy_ = true;
            return true;
        }
        void await_suspend(std::coroutine_handle<> h) { c->waiting_.push_back(h); }
        void await_resume() noexcept {}
    };
    // Hands the connection to the next request in line (busy_ stays set for it), or frees it.
    void end_turn() {
        if (waiting_.empty()) {
            busy_ = false;
            return;
        }
        const auto h = waiting_.front();
        waiting_.pop_front();
        rt_.post(h);
    }

    // Sends the request and returns the reply's JSON when the status is 2xx; otherwise what the
    // registry said, or why it could not be asked.
    task<result<json_value>> request(std::string method, std::string target, std::optional<std::string> body) {
        co_await turn_awaiter{this};
        auto r = co_await exchange(method, target, body);
        end_turn();
        if (!r) co_return std::move(r).err();
        const http_response& res = *r;
        const std::string what = method + " " + target;
        if (res.status() >= 200 && res.status() < 300) {
            if (res.status() == 204 || res.body().empty()) co_return json_value();
            auto doc = parse_json(res.body());
            if (!doc) co_return reply_error(what, "is not JSON (" + doc.err().detail() + ")");
            co_return std::move(*doc);
        }
        const auto e = detail::read_registry_error(res.body());
        const int code = e.code && *e.code > 0 && *e.code <= 0x7fffffff ? static_cast<int>(*e.code) : res.status();
        std::string detail = where() + ": " + what + ": HTTP " + std::to_string(res.status());
        if (!res.reason().empty()) detail += " " + std::string(res.reason());
        if (e.code) detail += ", error_code " + std::to_string(*e.code);
        if (!e.message.empty()) detail += ": " + e.message;
        co_return error(std::error_code(code, schema_registry_category()), std::move(detail));
    }

    // One request and its response on the connection, opened if need be. A kept-alive connection
    // the registry closed meanwhile fails before any byte of the response comes back: that
    // request is sent again, once, on a new connection.
    task<result<http_response>> exchange(const std::string& method, const std::string& target, const std::optional<std::string>& body) {
        const std::string full_target = ep_.base_path + target;
        std::vector<http_header> headers;
        headers.reserve(config_.headers.size() + 3);
        headers.push_back({"Accept", "application/vnd.schemaregistry.v1+json, application/json"});
        if (body) headers.push_back({"Content-Type", "application/vnd.schemaregistry.v1+json"});
        if (!authorization_.empty()) headers.push_back({"Authorization", authorization_});
        for (const auto& [n, v] : config_.headers) headers.push_back({n, v});
        byte_buffer wire;
        auto written = write_http_request({.method = method, .target = full_target, .host = ep_.host_header, .headers = headers,
                                           .body = body ? std::optional<std::string_view>(*body) : std::nullopt},
                                          wire);
        if (!written) co_return std::move(written).err();
        const steady_time deadline = rt_.now() + config_.request_timeout;
        const std::string what = method + " " + target;
        for (int attempt = 0;; ++attempt) {
            const bool reused = stream_.has_value();
            if (!stream_) {
                auto s = co_await rt_.connect(ep_.host, ep_.port, remaining(deadline));
                if (!s) co_return error(s.err().code(), where() + ": " + what + ": " + s.err().message());
                stream_.emplace(std::move(*s));
            }
            ++requests_sent_;
            bool answered = false;
            auto r = co_await round_trip(wire, deadline, answered);
            if (r && r->keep_alive()) co_return r;
            stream_->close();
            stream_.reset();
            if (r) co_return r;
            if (reused && !answered && attempt == 0 && r.err() == errc::connection_lost) continue;
            co_return error(r.err().code(), where() + ": " + what + ": " + r.err().message());
        }
    }

    std::chrono::milliseconds remaining(steady_time deadline) const {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - rt_.now());
        return left.count() > 0 ? left : std::chrono::milliseconds(1);
    }

    // Closes the stream if the deadline passes first; the request joins it before it returns, so
    // that the watchdog never outlives the request that started it.
    struct watchdog_state {
        explicit watchdog_state(typename Runtime::timer_type t) : timer(std::move(t)) {}
        typename Runtime::timer_type timer;
        stream_type* stream = nullptr;
        bool finished = false;  // the request is done: the watchdog must not touch the stream
        bool fired = false;
        bool gone = false;      // the watchdog has ended
        std::coroutine_handle<> joiner;
    };
    static task<void> watch(watchdog_state* st, steady_time deadline) {
        if (st->finished) co_return;  // the request ended before the watchdog first ran
        const bool fired = co_await st->timer.wait_until(deadline);
        if (fired && !st->finished) {
            st->fired = true;
            st->stream->close();
        }
    }
    static detail::detached_task run_watchdog(watchdog_state* st, steady_time deadline, Runtime* rt) {
        co_await watch(st, deadline);
        st->gone = true;
        if (st->joiner) rt->post(st->joiner);
    }
    struct join_awaiter {
        watchdog_state* st;
        bool await_ready() const noexcept { return st->gone; }
        void await_suspend(std::coroutine_handle<> h) noexcept { st->joiner = h; }
        void await_resume() const noexcept {}
    };

    task<result<http_response>> round_trip(const byte_buffer& wire, steady_time deadline, bool& answered) {
        watchdog_state st(rt_.make_timer());
        st.stream = &*stream_;
        detail::start_detached(rt_, run_watchdog(&st, deadline, &rt_));
        auto r = co_await write_and_read(wire, answered);
        st.finished = true;
        st.timer.cancel();
        co_await join_awaiter{&st};
        if (st.fired)
            co_return error(errc::timed_out, "no complete answer within request_timeout (" + std::to_string(config_.request_timeout.count()) + " ms)");
        co_return r;
    }

    task<result<http_response>> write_and_read(const byte_buffer& wire, bool& answered) {
        const bytes_view views[] = {wire.view()};
        if (auto w = co_await stream_->write(std::span<const bytes_view>(views)); !w) co_return std::move(w).err();
        http_response_parser parser(config_.limits);
        byte buf[4096];
        while (!parser.done()) {
            auto n = co_await stream_->read_some(mutable_bytes(buf, sizeof buf));
            if (!n) {
                // A body that runs to the close ends here; anything else was cut short.
                if (answered && n.err() == errc::connection_lost) {
                    if (auto f = parser.finish(); !f) co_return std::move(f).err();
                    break;
                }
                co_return std::move(n).err();
            }
            answered = true;
            auto used = parser.feed(bytes_view(buf, *n));
            if (!used) co_return std::move(used).err();
        }
        co_return parser.take();
    }

    struct cached_latest {
        registered_schema schema;
        steady_time read_at;
    };

    Runtime rt_;
    schema_registry_config config_;
    detail::registry_endpoint ep_;
    std::string authorization_;  // the Authorization header basic_auth_user_info makes; empty for none
    std::optional<stream_type> stream_;
    bool busy_ = false;
    std::deque<std::coroutine_handle<>> waiting_;
    std::map<std::pair<std::string, std::string>, std::int32_t> ids_;
    std::map<std::int32_t, registered_schema> by_id_;
    std::map<std::string, cached_latest> latest_;
    std::uint64_t requests_sent_ = 0;
};

KCORO_NAMESPACE_END
