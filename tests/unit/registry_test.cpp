// The Schema Registry client against an in-memory registry on the manual runtime: the requests it
// writes, the ids it caches, the registry's refusals as error values, the connection kept alive
// and opened again, and the bounds on a registry that refuses connections or never answers. Then
// the Confluent framing (byte 0, the id big-endian, the Avro body) against hand-computed bytes, the
// serializer made through the registry (with the schema given, or the subject's latest version),
// and a record that does not fit its schema failing alone. Basic authentication's header, and the
// latest version's cache lifetime.
// Apicurio itself is exercised by tests/integration/registry_test.sh.
#include <kcoro/avro.hpp>
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/fake_broker.hpp"
#include "../support/manual_runtime.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace registry_test {

using namespace std::chrono_literals;
using kcoro::errc;
using kcoro::schema_registry_errc;
using kcoro_test::fake_broker;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;
using kcoro_test::memory_pipe;
using kcoro_test::spawn;
namespace avro = kcoro::avro;

using client = kcoro::schema_registry_client<manual_runtime>;

// A registry that speaks just enough of Confluent's API: registration (one id per distinct schema
// text, whatever the subject), look-up, fetch by id, a subject's latest version, config; and
// switches for what a real one does to a client: answers with an error, closes a kept-alive
// connection, never answers.
class fake_registry {
public:
    struct request {
        std::string method, target, body;
        std::map<std::string, std::string> headers;  // names in lower case
    };
    struct canned {
        int status;
        std::string body;
    };

    fake_registry(manual_loop& loop, std::string host = "registry.test", std::uint16_t port = 8081) {
        loop.listen(std::move(host), port, [this](std::shared_ptr<memory_pipe> p) { accept(std::move(p)); });
    }

    std::vector<request> requests;
    std::size_t connections = 0;
    std::optional<canned> next_answer;  // the next request gets this instead of its real answer
    bool close_after_each = false;      // answers with "Connection: close" and hangs up
    bool silent = false;                // reads requests, never answers

    // Hangs up every open connection, as a registry does with idle ones.
    void drop_connections() {
        for (auto& c : open_)
            if (auto p = c.lock()) p->close_from_server();
        open_.clear();
    }

    std::map<std::string, std::vector<std::int32_t>> subjects;  // subject -> ids of its versions
    std::map<std::int32_t, std::string> schemas;                 // id -> text

private:
    struct conn {
        // Weak: the pipe holds the reader that holds this, and a strong pointer back would keep
        // both alive after the client drops its end without closing it.
        std::weak_ptr<memory_pipe> pipe;
        std::string in;
    };

    void accept(std::shared_ptr<memory_pipe> p) {
        ++connections;
        auto c = std::make_shared<conn>();
        c->pipe = p;
        open_.push_back(p);
        p->on_client_bytes = [this, c](kcoro::bytes_view b) {
            c->in.append(reinterpret_cast<const char*>(b.data()), b.size());
            serve(*c);
        };
        p->on_client_close = [c] {
            if (auto pipe = c->pipe.lock()) pipe->on_client_bytes = nullptr;
        };
    }

    static std::string lower(std::string s) {
        for (char& ch : s)
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        return s;
    }

    void serve(conn& c) {
        for (;;) {
            const std::size_t head_end = c.in.find("\r\n\r\n");
            if (head_end == std::string::npos) return;
            request r;
            std::string_view head(c.in.data(), head_end);
            const std::size_t line_end = head.find("\r\n");
            const std::string_view line = head.substr(0, line_end);
            const std::size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
            r.method = std::string(line.substr(0, sp1));
            r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
            std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
            while (!rest.empty()) {
                const std::size_t e = rest.find("\r\n");
                const std::string_view h = rest.substr(0, e);
                const std::size_t colon = h.find(':');
                r.headers[lower(std::string(h.substr(0, colon)))] = std::string(h.substr(colon + 2));
                rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 2);
            }
            std::size_t length = 0;
            if (auto it = r.headers.find("content-length"); it != r.headers.end()) length = std::stoul(it->second);
            if (c.in.size() < head_end + 4 + length) return;
            r.body = c.in.substr(head_end + 4, length);
            c.in.erase(0, head_end + 4 + length);
            requests.push_back(r);
            if (silent) continue;
            canned a = next_answer ? *std::exchange(next_answer, std::nullopt) : answer(r);
            std::string out = "HTTP/1.1 " + std::to_string(a.status) + " Whatever\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n";
            if (close_after_each) out += "Connection: close\r\n";
            out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n" + a.body;
            auto pipe = c.pipe.lock();
            if (!pipe) return;
            pipe->send_to_client(kcoro::as_bytes(std::string_view(out)));
            if (close_after_each) {
                pipe->close_from_server();
                return;
            }
        }
    }

    // The schema text of a {"schema": "..."} body.
    static std::string schema_of(const std::string& body) {
        auto doc = kcoro::parse_json(body);
        REQUIRE(doc);
        const kcoro::json_value* s = doc->find("schema");
        REQUIRE(s);
        return std::string(s->as_string());
    }

    static std::string quoted(std::string_view s) {
        std::string out;
        kcoro::append_json_string(out, s);
        return out;
    }

    canned answer(const request& r) {
        const std::string subjects_prefix = "/subjects/";
        if (r.method == "POST" && r.target.starts_with(subjects_prefix)) {
            std::string subject = r.target.substr(subjects_prefix.size());
            const bool registering = subject.ends_with("/versions");
            if (registering) subject.resize(subject.size() - std::string_view("/versions").size());
            const std::string text = schema_of(r.body);
            std::int32_t id = -1;
            for (const auto& [i, t] : schemas)
                if (t == text) id = i;
            if (!registering) {
                auto it = subjects.find(subject);
                if (it == subjects.end()) return {404, R"({"error_code":40401,"message":"Subject ')" + subject + R"(' not found."})"};
                for (std::size_t v = 0; v < it->second.size(); ++v)
                    if (it->second[v] == id)
                        return {200, "{\"subject\":" + quoted(subject) + ",\"id\":" + std::to_string(id) +
                                         ",\"version\":" + std::to_string(v + 1) + ",\"schema\":" + quoted(text) + "}"};
                return {404, R"({"error_code":40403,"message":"Schema not found"})"};
            }
            if (id < 0) {
                id = next_id_++;
                schemas[id] = text;
            }
            auto& versions = subjects[subject];
            if (std::find(versions.begin(), versions.end(), id) == versions.end()) versions.push_back(id);
            return {200, "{\"id\":" + std::to_string(id) + "}"};
        }
        if (r.method == "GET" && r.target.starts_with(subjects_prefix) && r.target.ends_with("/versions/latest")) {
            const std::string subject = r.target.substr(subjects_prefix.size(), r.target.size() - subjects_prefix.size() - 16);
            auto it = subjects.find(subject);
            if (it == subjects.end() || it->second.empty())
                return {404, R"({"error_code":40401,"message":"Subject ')" + subject + R"(' not found."})"};
            const std::int32_t id = it->second.back();
            return {200, "{\"subject\":" + quoted(subject) + ",\"version\":" + std::to_string(it->second.size()) + ",\"id\":" +
                             std::to_string(id) + ",\"schema\":" + quoted(schemas[id]) + "}"};
        }
        const std::string ids_prefix = "/schemas/ids/";
        if (r.method == "GET" && r.target.starts_with(ids_prefix)) {
            const std::int32_t id = std::stoi(r.target.substr(ids_prefix.size()));
            auto it = schemas.find(id);
            if (it == schemas.end()) return {404, R"({"error_code":40403,"message":"Schema )" + std::to_string(id) + R"( not found"})"};
            return {200, "{\"schema\":" + quoted(it->second) + "}"};
        }
        if (r.method == "PUT" && r.target.starts_with("/config/")) return {200, r.body};
        return {404, R"({"error_code":404,"message":"HTTP 404 Not Found"})"};
    }

    std::vector<std::weak_ptr<memory_pipe>> open_;
    std::int32_t next_id_ = 1;
};

std::unique_ptr<client> make_client(manual_loop& loop, std::string url = "http://registry.test:8081",
                                    std::chrono::milliseconds timeout = 5s) {
    auto c = client::create(manual_runtime(loop), {.url = std::move(url), .request_timeout = timeout});
    REQUIRE_MESSAGE(c, (c ? "" : c.err().message()));
    return std::move(*c);
}

template <class T>
T run(manual_loop& loop, kcoro::task<T> t, std::chrono::nanoseconds limit = 60s) {
    auto r = spawn(loop, std::move(t));
    REQUIRE(loop.run_until([&] { return r->done(); }, limit));
    return std::move(*r->value);
}

avro::schema parsed(std::string_view text) {
    auto s = avro::schema::parse(text);
    REQUIRE_MESSAGE(s, (s ? "" : s.err().message()));
    return *s;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

constexpr std::string_view order_schema = R"({"type": "record", "name": "Order", "namespace": "shop",
  "fields": [{"name": "id", "type": "long"}, {"name": "item", "type": "string"}, {"name": "qty", "type": "int"},
             {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "shipped"]}}]})";
// The same schema written otherwise: the same Parsing Canonical Form.
constexpr std::string_view order_schema_reformatted =
    R"({"name":"shop.Order","type":"record","doc":"an order","fields":[{"name":"id","type":"long"},{"name":"item","type":{"type":"string"}},{"name":"qty","type":"int"},{"name":"status","type":{"name":"Status","type":"enum","symbols":["open","shipped"],"doc":"d"}}]})";

struct order {
    std::int64_t id;
    std::string item;
    std::int32_t qty;
    std::string status;  // the schema's enum: a string that is none of its symbols does not fit
};
KCORO_AVRO_RECORD(order, id, item, qty, status)

TEST_CASE("registry_test: register writes Confluent's request and returns the id; the same schema again asks nothing") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    auto id = run(loop, c->register_schema("orders-value", parsed(order_schema)));
    REQUIRE_MESSAGE(id, (id ? "" : id.err().message()));
    CHECK(*id == 1);
    REQUIRE(reg.requests.size() == 1);
    const auto& r = reg.requests[0];
    CHECK(r.method == "POST");
    CHECK(r.target == "/subjects/orders-value/versions");
    CHECK(r.headers.at("host") == "registry.test:8081");
    CHECK(r.headers.at("content-type") == "application/vnd.schemaregistry.v1+json");
    CHECK(r.headers.at("content-length") == std::to_string(r.body.size()));
    // The schema as it was written, as one JSON string; AVRO is the default type and is not named.
    std::string expected_body = "{\"schema\":";
    kcoro::append_json_string(expected_body, order_schema);
    expected_body += "}";
    CHECK(r.body == expected_body);
    CHECK(contains(r.body, R"(\"namespace\": \"shop\")"));
    CHECK(contains(r.body, "\\n  \\\"fields\\\""));

    // Another writing of the same schema under the same subject: cached by its canonical form.
    auto again = run(loop, c->register_schema("orders-value", parsed(order_schema_reformatted)));
    REQUIRE(again);
    CHECK(*again == 1);
    CHECK(reg.requests.size() == 1);
    CHECK(c->requests_sent() == 1);
    // Another subject is another question, on the same connection.
    auto other = run(loop, c->register_schema("orders-key", parsed(order_schema)));
    REQUIRE(other);
    CHECK(*other == 1);
    CHECK(reg.requests.size() == 2);
    CHECK(reg.connections == 1);
    // A JSON Schema is named by its type.
    auto json = run(loop, c->register_schema("events-value", R"({"type":"object"})", "JSON"));
    REQUIRE(json);
    CHECK(reg.requests.back().body == R"({"schema":"{\"type\":\"object\"}","schemaType":"JSON"})");
}

TEST_CASE("registry_test: subjects are percent-encoded and the url's path prefixes every request") {
    manual_loop loop;
    fake_registry reg(loop, "127.0.0.1", 8080);
    auto c = make_client(loop, "http://127.0.0.1:8080/apis/ccompat/v7/");
    auto id = run(loop, c->register_schema("my topic/é-value", parsed(order_schema)));
    (void)id;
    REQUIRE(reg.requests.size() == 1);
    CHECK(reg.requests[0].target == "/apis/ccompat/v7/subjects/my%20topic%2F%C3%A9-value/versions");
    CHECK(reg.requests[0].headers.at("host") == "127.0.0.1:8080");
}

TEST_CASE("registry_test: a refusal is an error value with the registry's error_code, HTTP status and message") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    SUBCASE("an incompatible schema: 409") {
        reg.next_answer = fake_registry::canned{409, R"({"error_code":409,"message":"Schema being registered is incompatible with an earlier schema: field qty removed"})"};
        auto id = run(loop, c->register_schema("orders-value", parsed(order_schema)));
        REQUIRE(!id);
        CHECK(id.err().code() == schema_registry_errc::incompatible_schema);
        CHECK(id.err().code().category() == kcoro::schema_registry_category());
        const std::string m = id.err().message();
        CHECK_MESSAGE(contains(m, "schema registry http://registry.test:8081: POST /subjects/orders-value/versions: HTTP 409"), m);
        CHECK_MESSAGE(contains(m, "error_code 409: Schema being registered is incompatible with an earlier schema: field qty removed"), m);
        // Not cached: asked again, the registry is asked again.
        auto retry = run(loop, c->register_schema("orders-value", parsed(order_schema)));
        CHECK(retry);
        CHECK(reg.requests.size() == 2);
    }
    SUBCASE("look-up of a subject the registry does not hold: 40401") {
        auto id = run(loop, c->lookup_schema("nobody-value", parsed(order_schema)));
        REQUIRE(!id);
        CHECK(id.err().code() == schema_registry_errc::subject_not_found);
        CHECK_MESSAGE(contains(id.err().message(), "POST /subjects/nobody-value: HTTP 404 Whatever, error_code 40401: Subject 'nobody-value' not found."),
                      id.err().message());
        CHECK(reg.requests[0].target == "/subjects/nobody-value");
    }
    SUBCASE("an invalid schema: 42201") {
        reg.next_answer = fake_registry::canned{422, R"({"error_code":42201,"message":"Invalid schema"})"};
        auto id = run(loop, c->register_schema("x", "not avro", "AVRO"));
        REQUIRE(!id);
        CHECK(id.err().code() == schema_registry_errc::invalid_schema);
    }
    SUBCASE("an error without a JSON body keeps the HTTP status as its code") {
        reg.next_answer = fake_registry::canned{503, "<html>upstream unavailable</html>"};
        auto id = run(loop, c->register_schema("orders-value", parsed(order_schema)));
        REQUIRE(!id);
        CHECK(id.err().code() == std::error_code(503, kcoro::schema_registry_category()));
        CHECK_MESSAGE(contains(id.err().message(), "HTTP 503 Whatever"), id.err().message());
    }
    SUBCASE("a 2xx answer without an id is a malformed response") {
        reg.next_answer = fake_registry::canned{200, R"({"idd":3})"};
        auto id = run(loop, c->register_schema("orders-value", parsed(order_schema)));
        REQUIRE(!id);
        CHECK(id.err() == errc::malformed_response);
    }
}

TEST_CASE("registry_test: fetch by id, cached; latest version; compatibility") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    REQUIRE(run(loop, c->register_schema("orders-value", parsed(order_schema))));
    auto s = run(loop, c->schema_by_id(1));
    REQUIRE_MESSAGE(s, (s ? "" : s.err().message()));
    CHECK(s->id == 1);
    CHECK(s->schema == order_schema);
    CHECK(s->schema_type == "AVRO");
    CHECK(reg.requests.back().method == "GET");
    CHECK(reg.requests.back().target == "/schemas/ids/1");
    const auto asked = reg.requests.size();
    REQUIRE(run(loop, c->schema_by_id(1)));
    CHECK(reg.requests.size() == asked);
    auto missing = run(loop, c->schema_by_id(99));
    REQUIRE(!missing);
    CHECK(missing.err().code() == schema_registry_errc::schema_not_found);

    reg.next_answer = fake_registry::canned{200, R"({"subject":"orders-value","version":3,"id":1,"schema":"\"long\""})"};
    auto latest = run(loop, c->latest_version("orders-value"));
    REQUIRE_MESSAGE(latest, (latest ? "" : latest.err().message()));
    CHECK(latest->version == 3);
    CHECK(latest->id == 1);
    CHECK(latest->schema == "\"long\"");
    CHECK(reg.requests.back().target == "/subjects/orders-value/versions/latest");

    REQUIRE(run(loop, c->set_compatibility("orders-value", "BACKWARD")));
    CHECK(reg.requests.back().method == "PUT");
    CHECK(reg.requests.back().target == "/config/orders-value");
    CHECK(reg.requests.back().body == R"({"compatibility":"BACKWARD"})");
}

TEST_CASE("registry_test: a connection the registry closed is opened again; the request is sent once more") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    REQUIRE(run(loop, c->register_schema("a", "\"long\"", "AVRO")));
    CHECK(reg.connections == 1);
    SUBCASE("closed while idle") {
        reg.drop_connections();
        loop.run_ready();
        auto id = run(loop, c->register_schema("b", "\"int\"", "AVRO"));
        REQUIRE_MESSAGE(id, (id ? "" : id.err().message()));
        CHECK(reg.connections == 2);
    }
    SUBCASE("Connection: close on every answer") {
        reg.close_after_each = true;
        REQUIRE(run(loop, c->register_schema("b", "\"int\"", "AVRO")));
        REQUIRE(run(loop, c->register_schema("c", "\"string\"", "AVRO")));
        CHECK(reg.connections == 2);  // the first was still open; each answer then closed one
        REQUIRE(run(loop, c->register_schema("d", "\"double\"", "AVRO")));
        CHECK(reg.connections == 3);
    }
}

TEST_CASE("registry_test: requests from several coroutines take turns on the one connection") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    auto a = spawn(loop, c->register_schema("a", "\"long\"", "AVRO"));
    auto b = spawn(loop, c->register_schema("b", "\"int\"", "AVRO"));
    auto d = spawn(loop, c->register_schema("c", "\"string\"", "AVRO"));
    REQUIRE(loop.run_until([&] { return a->done() && b->done() && d->done(); }, 10s));
    REQUIRE(*a->value);
    REQUIRE(*b->value);
    REQUIRE(*d->value);
    CHECK(**a->value == 1);
    CHECK(**b->value == 2);
    CHECK(**d->value == 3);
    CHECK(reg.connections == 1);
}

TEST_CASE("registry_test: an unreachable or silent registry fails within request_timeout, saying so") {
    manual_loop loop;
    SUBCASE("refused") {
        loop.set_unreachable("registry.test", manual_loop::unreachable::refused);
        auto c = make_client(loop);
        auto id = run(loop, c->register_schema("a", "\"long\"", "AVRO"));
        REQUIRE(!id);
        CHECK(id.err() == errc::connection_failed);
        CHECK_MESSAGE(contains(id.err().message(), "schema registry http://registry.test:8081: POST /subjects/a/versions: connect to"),
                      id.err().message());
    }
    SUBCASE("connects, never answers") {
        fake_registry reg(loop);
        reg.silent = true;
        auto c = make_client(loop, "http://registry.test:8081", 2s);
        const auto start = loop.now();
        auto r = spawn(loop, c->register_schema("a", "\"long\"", "AVRO"));
        REQUIRE(loop.run_until([&] { return r->done(); }, 10s));
        REQUIRE(!*r->value);
        CHECK(r->value->err() == errc::timed_out);
        CHECK_MESSAGE(contains(r->value->err().message(), "no complete answer within request_timeout (2000 ms)"), r->value->err().message());
        CHECK(loop.now() - start == 2s);
        // The next request opens a new connection.
        reg.silent = false;
        auto again = run(loop, c->register_schema("a", "\"long\"", "AVRO"));
        CHECK(again);
        CHECK(reg.connections == 2);
    }
}

TEST_CASE("registry_test: the url and headers are checked when the client is made") {
    manual_loop loop;
    for (std::string_view bad : {"registry:8081", "https://registry:8081", "http://", "http://user:pw@registry:8081", "http://registry:0",
                                 "http://registry:99999", "http://registry:80/a?b", "http://[::1"}) {
        auto c = client::create(manual_runtime(loop), {.url = std::string(bad)});
        CHECK_MESSAGE(!c, bad);
        if (!c) CHECK(c.err() == errc::bad_config);
    }
    auto v6 = client::create(manual_runtime(loop), {.url = "http://[::1]:8081"});
    CHECK(v6);
    auto smuggling = client::create(manual_runtime(loop), {.url = "http://r:1", .headers = {{"Authorization", "Bearer x\r\nX-Evil: 1"}}});
    CHECK(!smuggling);
    auto framing = client::create(manual_runtime(loop), {.url = "http://r:1", .headers = {{"Content-Length", "0"}}});
    CHECK(!framing);
}

TEST_CASE("registry_test: headers given in the configuration go with every request") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = client::create(manual_runtime(loop), {.url = "http://registry.test:8081", .headers = {{"Authorization", "Bearer t0ken"}}});
    REQUIRE(c);
    REQUIRE(run(loop, (*c)->register_schema("a", "\"long\"", "AVRO")));
    CHECK(reg.requests[0].headers.at("authorization") == "Bearer t0ken");
}

TEST_CASE("registry_test: basic_auth_user_info goes as an Authorization: Basic header with every request, and is never shown") {
    manual_loop loop;
    fake_registry reg(loop);
    // RFC 7617's example: a space in the password, and padding in the encoding.
    auto c = client::create(manual_runtime(loop), {.url = "http://registry.test:8081", .basic_auth_user_info = "Aladdin:open sesame"});
    REQUIRE_MESSAGE(c, (c ? "" : c.err().message()));
    REQUIRE(run(loop, (*c)->register_schema("a", "\"long\"", "AVRO")));
    REQUIRE(run(loop, (*c)->latest_version("a")));
    REQUIRE(reg.requests.size() == 2);
    for (const auto& r : reg.requests) CHECK(r.headers.at("authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");

    // Refused: the error says so, without the credentials.
    reg.next_answer = fake_registry::canned{401, R"({"error_code":401,"message":"Unauthorized"})"};
    auto refused = run(loop, (*c)->register_schema("b", "\"int\"", "AVRO"));
    REQUIRE(!refused);
    CHECK(refused.err().code() == schema_registry_errc::unauthorized);
    CHECK(!contains(refused.err().message(), "sesame"));
    CHECK(!contains(refused.err().message(), "QWxhZGRpbjpvcGVuIHNlc2FtZQ"));

    auto no_colon = client::create(manual_runtime(loop), {.url = "http://registry.test:8081", .basic_auth_user_info = "s3cret-token"});
    REQUIRE(!no_colon);
    CHECK(no_colon.err() == errc::bad_config);
    CHECK_MESSAGE(contains(no_colon.err().message(), "basic_auth_user_info must be \"user:password\""), no_colon.err().message());
    CHECK(!contains(no_colon.err().message(), "s3cret"));
    auto both = client::create(manual_runtime(loop), {.url = "http://registry.test:8081",
                                                      .headers = {{"authorization", "Bearer t0ken"}},
                                                      .basic_auth_user_info = "u:p"});
    REQUIRE(!both);
    CHECK(both.err() == errc::bad_config);
    CHECK(!contains(both.err().message(), "t0ken"));
}

TEST_CASE("registry_test: the latest version is cached for latest_cache_ttl, and forgotten when this client registers under it") {
    manual_loop loop;
    fake_registry reg(loop);
    auto pipeline = make_client(loop);  // registers behind the client's back, as another service would
    REQUIRE(run(loop, pipeline->register_schema("s", "\"long\"", "AVRO")));
    const auto gets = [&] {
        return std::count_if(reg.requests.begin(), reg.requests.end(), [](const fake_registry::request& r) { return r.method == "GET"; });
    };
    SUBCASE("by default, for the client's lifetime (Confluent's -1)") {
        auto c = make_client(loop);
        CHECK(c->config().latest_cache_ttl.count() < 0);
        REQUIRE(run(loop, c->latest_version("s")));
        REQUIRE(run(loop, pipeline->register_schema("s", "\"int\"", "AVRO")));
        loop.advance(24h);
        auto latest = run(loop, c->latest_version("s"));
        REQUIRE(latest);
        CHECK(latest->id == 1);
        CHECK(gets() == 1);
    }
    SUBCASE("a lifetime: read again once it has passed") {
        auto made = client::create(manual_runtime(loop), {.url = "http://registry.test:8081", .latest_cache_ttl = 10s});
        REQUIRE(made);
        auto& c = *made;
        auto first = run(loop, c->latest_version("s"));
        REQUIRE(first);
        CHECK(first->version == 1);
        REQUIRE(run(loop, pipeline->register_schema("s", "\"int\"", "AVRO")));
        loop.advance(9s);
        auto cached = run(loop, c->latest_version("s"));
        REQUIRE(cached);
        CHECK(cached->id == 1);
        CHECK(gets() == 1);
        loop.advance(1s);
        auto fresh = run(loop, c->latest_version("s"));
        REQUIRE(fresh);
        CHECK(fresh->id == 2);
        CHECK(fresh->version == 2);
        CHECK(gets() == 2);
        // Registering under the subject makes what was read stale.
        REQUIRE(run(loop, c->register_schema("s", "\"string\"", "AVRO")));
        auto after = run(loop, c->latest_version("s"));
        REQUIRE(after);
        CHECK(after->id == 3);
        CHECK(gets() == 3);
    }
    SUBCASE("zero: never cached") {
        auto made = client::create(manual_runtime(loop), {.url = "http://registry.test:8081", .latest_cache_ttl = 0s});
        REQUIRE(made);
        REQUIRE(run(loop, (*made)->latest_version("s")));
        REQUIRE(run(loop, (*made)->latest_version("s")));
        CHECK(gets() == 2);
    }
}

// ---- the Confluent framing ----------------------------------------------------------------------

std::string hex(const kcoro::byte_buffer& b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (kcoro::byte x : b.view()) {
        out.push_back(digits[x >> 4]);
        out.push_back(digits[x & 0xf]);
    }
    return out;
}

TEST_CASE("registry_test: a framed value is byte 0, the id big-endian, then the Avro body") {
    auto ser = kcoro::confluent_avro_serializer<order>::with_id(0x01020304, parsed(order_schema));
    REQUIRE(ser);
    static_assert(kcoro::fallible_serializer_for<kcoro::confluent_avro_serializer<order>, order>);
    kcoro::byte_buffer out;
    kcoro::buffer_sink sink{out};
    REQUIRE(ser->serialize(order{1, "ab", 3, "shipped"}, sink));
    // 00 | 01 02 03 04 | long 1 = 02 | string "ab" = 04 61 62 | int 3 = 06 | enum symbol 1 = 02
    CHECK(hex(out) == "0001020304020461620602");

    out.clear();
    auto big = kcoro::confluent_avro_serializer<order>::with_id(2147483647, parsed(order_schema));
    REQUIRE(big);
    REQUIRE(big->serialize(order{-1, "", -65, "open"}, sink));
    // 00 | 7f ff ff ff | long -1 = 01 | "" = 00 | int -65 = 81 01 | enum symbol 0 = 00
    CHECK(hex(out) == "007fffffff0100810100");

    out.clear();
    auto refused = ser->serialize(order{1, "ab", 3, "lost"}, sink);
    REQUIRE(!refused);
    CHECK(refused.err() == errc::serialization_failed);
    CHECK(refused.err().detail() == "avro: shop.Order.status: \"lost\" is not a symbol of the enum shop.Status");

    CHECK(!kcoro::confluent_avro_serializer<order>::with_id(-1, parsed(order_schema)));
    auto mismatch = kcoro::confluent_avro_serializer<order>::with_id(1, parsed(R"({"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]})"));
    REQUIRE(!mismatch);
    CHECK(mismatch.err() == errc::schema_mismatch);
}

TEST_CASE("registry_test: subject names follow Confluent's strategies") {
    const auto s = parsed(order_schema);
    CHECK(kcoro::topic_name_subject("orders", false) == "orders-value");
    CHECK(kcoro::topic_name_subject("orders", true) == "orders-key");
    CHECK(kcoro::record_name_subject(s) == "shop.Order");
    CHECK(kcoro::topic_record_name_subject("orders", s) == "orders-shop.Order");
}

TEST_CASE("registry_test: the serializer asks the registry once: registering, or looking up only") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    using ser_t = kcoro::confluent_avro_serializer<order>;
    SUBCASE("auto-register") {
        auto s = run(loop, ser_t::make(*c, "orders-value", parsed(order_schema)));
        REQUIRE_MESSAGE(s, (s ? "" : s.err().message()));
        CHECK(s->schema_id() == 1);
        CHECK(reg.requests.size() == 1);
        CHECK(reg.requests[0].target == "/subjects/orders-value/versions");
        // Made again for the same subject and schema: the client's cache answers.
        auto s2 = run(loop, ser_t::make(*c, "orders-value", parsed(order_schema_reformatted)));
        REQUIRE(s2);
        CHECK(s2->schema_id() == 1);
        CHECK(reg.requests.size() == 1);
    }
    SUBCASE("look-up only, the subject not registered") {
        auto s = run(loop, ser_t::make(*c, "orders-value", parsed(order_schema), {.auto_register_schemas = false}));
        REQUIRE(!s);
        CHECK(s.err().code() == schema_registry_errc::subject_not_found);
        CHECK(reg.requests[0].target == "/subjects/orders-value");
        CHECK(reg.subjects.empty());
    }
    SUBCASE("look-up only, the schema registered ahead") {
        REQUIRE(run(loop, c->register_schema("other", "\"long\"", "AVRO")));
        auto other = make_client(loop);
        REQUIRE(run(loop, other->register_schema("orders-value", parsed(order_schema))));
        auto s = run(loop, ser_t::make(*c, "orders-value", parsed(order_schema), {.auto_register_schemas = false}));
        REQUIRE_MESSAGE(s, (s ? "" : s.err().message()));
        CHECK(s->schema_id() == 2);
        CHECK(reg.requests.back().target == "/subjects/orders-value");
    }
    SUBCASE("a struct that does not fit the schema never reaches the registry") {
        auto s = run(loop, ser_t::make(*c, "orders-value", parsed(R"({"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]})")));
        REQUIRE(!s);
        CHECK(s.err() == errc::schema_mismatch);
        CHECK(reg.requests.empty());
    }
}

// Order with a field added that has a default: order leaves it out, and its default is written.
constexpr std::string_view order_schema_v2 = R"({"type": "record", "name": "Order", "namespace": "shop",
  "fields": [{"name": "id", "type": "long"}, {"name": "item", "type": "string"}, {"name": "qty", "type": "int"},
             {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "shipped"]}},
             {"name": "note", "type": ["null", "string"], "default": null}]})";

TEST_CASE("registry_test: use_latest_version writes the subject's latest version, read once, registering nothing") {
    manual_loop loop;
    fake_registry reg(loop);
    auto pipeline = make_client(loop);
    REQUIRE(run(loop, pipeline->register_schema("orders-value", parsed(order_schema))));
    REQUIRE(run(loop, pipeline->register_schema("orders-value", parsed(order_schema_v2))));
    const auto registered = reg.requests.size();
    auto c = make_client(loop);
    using ser_t = kcoro::confluent_avro_serializer<order>;
    auto s = run(loop, ser_t::make(*c, "orders-value", {.use_latest_version = true}));
    REQUIRE_MESSAGE(s, (s ? "" : s.err().message()));
    CHECK(s->schema_id() == 2);
    REQUIRE(reg.requests.size() == registered + 1);
    CHECK(reg.requests.back().method == "GET");
    CHECK(reg.requests.back().target == "/subjects/orders-value/versions/latest");
    CHECK(reg.subjects["orders-value"].size() == 2);
    kcoro::byte_buffer out;
    kcoro::buffer_sink sink{out};
    REQUIRE(s->serialize(order{1, "ab", 3, "shipped"}, sink));
    // 00 | id 2 | long 1 = 02 | "ab" = 04 61 62 | int 3 = 06 | symbol 1 = 02 | note: the union's null = 00
    CHECK(hex(out) == "000000000202046162060200");
    // Made again (a second producer, a restart of the stream): the client's cache answers.
    auto again = run(loop, ser_t::make(*c, "orders-value", {.use_latest_version = true}));
    REQUIRE(again);
    CHECK(again->schema_id() == 2);
    CHECK(reg.requests.size() == registered + 1);
}

TEST_CASE("registry_test: use_latest_version refuses a latest version T does not fit, or is not Avro, naming it") {
    manual_loop loop;
    fake_registry reg(loop);
    auto c = make_client(loop);
    using ser_t = kcoro::confluent_avro_serializer<order>;
    SUBCASE("no such subject") {
        auto s = run(loop, ser_t::make(*c, "orders-value", {.use_latest_version = true}));
        REQUIRE(!s);
        CHECK(s.err().code() == schema_registry_errc::subject_not_found);
    }
    SUBCASE("a member of T the latest version dropped") {
        constexpr std::string_view without_qty = R"({"type": "record", "name": "Order", "namespace": "shop",
          "fields": [{"name": "id", "type": "long"}, {"name": "item", "type": "string"},
                     {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "shipped"]}}]})";
        REQUIRE(run(loop, c->register_schema("orders-value", parsed(without_qty))));
        auto s = run(loop, ser_t::make(*c, "orders-value", {.use_latest_version = true}));
        REQUIRE(!s);
        CHECK(s.err() == errc::schema_mismatch);
        CHECK_MESSAGE(contains(s.err().message(),
                               "the latest version of subject orders-value (version 1, id 1): avro: shop.Order.qty: the C++ member is not a field"),
                      s.err().message());
    }
    SUBCASE("a JSON Schema") {
        reg.next_answer = fake_registry::canned{200, R"({"subject":"orders-value","version":4,"id":7,"schemaType":"JSON","schema":"{}"})"};
        auto s = run(loop, ser_t::make(*c, "orders-value", {.use_latest_version = true}));
        REQUIRE(!s);
        CHECK(s.err() == errc::schema_mismatch);
        CHECK_MESSAGE(contains(s.err().message(), "(version 4, id 7) is a JSON schema, not Avro"), s.err().message());
    }
    SUBCASE("a schema given as well, or no schema and no use_latest_version: nothing asked") {
        auto with_schema = run(loop, ser_t::make(*c, "orders-value", parsed(order_schema), {.use_latest_version = true}));
        REQUIRE(!with_schema);
        CHECK(with_schema.err() == errc::bad_config);
        auto neither = run(loop, ser_t::make(*c, "orders-value", kcoro::confluent_serializer_options{}));
        REQUIRE(!neither);
        CHECK(neither.err() == errc::bad_config);
        CHECK(reg.requests.empty());
    }
}

// ---- in the producer ----------------------------------------------------------------------------

using framed_producer = kcoro::basic_producer<manual_runtime, std::string_view, order, kcoro::default_partitioner,
                                              kcoro::default_serializer<std::string_view>, kcoro::confluent_avro_serializer<order>>;

kcoro::task<kcoro::delivery_result> send_order(framed_producer* p, order o) {
    co_return co_await p->send({.topic = "orders", .value = o});
}
kcoro::task<void> flush_it(framed_producer* p) { co_await p->flush(); }

TEST_CASE("registry_test: framed records reach the batch; one that does not fit fails alone; no request per record") {
    manual_loop loop;
    fake_broker broker(loop);
    broker.create_topic("orders", 1);
    fake_registry reg(loop);
    auto c = make_client(loop);
    auto ser = run(loop, kcoro::confluent_avro_serializer<order>::make(*c, "orders-value", parsed(order_schema)));
    REQUIRE(ser);
    const auto requests_before = c->requests_sent();

    kcoro::producer_config cfg;
    cfg.bootstrap_servers = "127.0.0.1:9092";
    auto p = framed_producer::create(manual_runtime(loop), std::move(cfg), {}, std::move(*ser));
    REQUIRE(p);
    auto a = spawn(loop, send_order(p->get(), order{1, "ab", 3, "shipped"}));
    auto b = spawn(loop, send_order(p->get(), order{2, "cd", 4, "lost"}));
    auto d = spawn(loop, send_order(p->get(), order{-1, "", -65, "open"}));
    REQUIRE(loop.run_until([&] { return a->done() && b->done() && d->done(); }, 10s));
    CHECK(*a->value);
    CHECK(*d->value);
    REQUIRE(!*b->value);
    CHECK(b->value->err() == errc::serialization_failed);
    CHECK_MESSAGE(contains(b->value->err().message(),
                           "the value serializer refused a record for topic 'orders': avro: shop.Order.status: \"lost\" is not a symbol of the enum shop.Status"),
                  b->value->err().message());
    auto f = spawn(loop, flush_it(p->get()));
    REQUIRE(loop.run_until([&] { return f->done(); }, 10s));
    const auto& log = broker.log("orders", 0);
    REQUIRE(log.size() == 2);
    CHECK(log[0].value == std::string("\x00\x00\x00\x00\x01\x02\x04" "ab\x06\x02", 11));
    CHECK(log[1].value == std::string("\x00\x00\x00\x00\x01\x01\x00\x81\x01\x00", 10));
    CHECK(c->requests_sent() == requests_before);
}

}  // namespace registry_test
