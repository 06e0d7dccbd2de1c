// Request and response header versions. Kafka's rule (its generator's ApiMessageType): a request
// goes with header v2 at the API's flexible versions and v1 otherwise; a response comes with header
// v1 at flexible versions and v0 otherwise, except ApiVersions, always v0, so that a client of any
// age can read the error. The flexible versions below are written out from each API's
// flexibleVersions in Kafka's JSON definitions, independently of the generated code.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include "../support/hex_frames.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace protocol_header_versions_test {

using namespace std::chrono_literals;

// API key -> first flexible version; none for SaslHandshake.
std::optional<int> first_flexible(int api_key) {
    switch (api_key) {
        case 0: return 9;    // Produce
        case 2: return 6;    // ListOffsets
        case 3: return 9;    // Metadata
        case 10: return 3;   // FindCoordinator
        case 17: return {};  // SaslHandshake: "flexibleVersions": "none"
        case 18: return 3;   // ApiVersions
        case 19: return 5;   // CreateTopics
        case 20: return 4;   // DeleteTopics
        case 22: return 2;   // InitProducerId
        case 24: return 3;   // AddPartitionsToTxn
        case 25: return 3;   // AddOffsetsToTxn
        case 26: return 3;   // EndTxn
        case 28: return 3;   // TxnOffsetCommit
        case 32: return 4;   // DescribeConfigs
        case 36: return 2;   // SaslAuthenticate
        default: return {};
    }
}

// An API added since this table was written is still held to the header rule, from its own
// flexible(); the table then also checks flexible() for the APIs it lists.
bool listed(int api_key) {
    for (int k : {0, 2, 3, 10, 17, 18, 19, 20, 22, 24, 25, 26, 28, 32, 36})
        if (k == api_key) return true;
    return false;
}

template <class Req>
void holds_to_kafkas_rule() {
    const auto ff = first_flexible(Req::api_key);
    for (std::int16_t v = Req::min_version; v <= Req::max_version; ++v) {
        INFO("API key " << Req::api_key << " version " << v);
        const bool flexible = listed(Req::api_key) ? ff && v >= *ff : Req::flexible(v);
        CHECK(Req::flexible(v) == flexible);
        CHECK(Req::request_header_version(v) == (flexible ? 2 : 1));
        CHECK(Req::response_header_version(v) == (Req::api_key == 18 ? 0 : flexible ? 1 : 0));
    }
}

template <class... Requests>
int every_api(kcoro::api_list<Requests...>) {
    (holds_to_kafkas_rule<Requests>(), ...);
    return static_cast<int>(sizeof...(Requests));
}

// Not kcoro_test::unhex: this one runs on the fake broker's thread, where doctest's REQUIRE
// must not be used.
std::vector<std::uint8_t> unhex(std::string_view h) {
    std::vector<std::uint8_t> out;
    auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(nibble(h[i]) << 4 | nibble(h[i + 1])));
    return out;
}

// One whole frame (size prefix included) from a blocking socket; empty when the peer closed.
std::vector<std::uint8_t> read_frame(int fd) {
    std::vector<std::uint8_t> frame(4);
    auto fill = [&](std::size_t from, std::size_t n) {
        while (n > 0) {
            const ssize_t got = ::recv(fd, frame.data() + from, n, 0);
            if (got <= 0) return false;
            from += static_cast<std::size_t>(got);
            n -= static_cast<std::size_t>(got);
        }
        return true;
    };
    if (!fill(0, 4)) return {};
    const std::size_t size = std::size_t{frame[0]} << 24 | std::size_t{frame[1]} << 16 | std::size_t{frame[2]} << 8 | frame[3];
    frame.resize(4 + size);
    if (!fill(4, size)) return {};
    return frame;
}

void send_hex(int fd, std::string_view h) {
    const auto bytes = unhex(h);
    ::send(fd, bytes.data(), bytes.size(), 0);
}

struct handshake_outcome {
    std::string error;
    kcoro::errc code = kcoro::errc::unknown_server_error;
    std::vector<std::string> mechanisms;
};

kcoro::task<handshake_outcome> handshake(kcoro::event_loop& loop, std::uint16_t port) {
    handshake_outcome out;
    kcoro::event_loop_runtime rt(loop);
    kcoro::broker_connection<kcoro::event_loop_runtime> conn(rt, "127.0.0.1", port, "t");
    auto c = co_await conn.connect(2s, 5s);
    if (!c) {
        out.error = "connect: " + c.err().message();
        co_return out;
    }
    kcoro::sasl_handshake_request req;
    req.mechanism = "PLAIN";
    auto r = co_await conn.request(req, 1);
    if (!r) {
        out.error = "SaslHandshake: " + r.err().message();
    } else {
        out.code = r->error_code;
        for (const auto& m : r->mechanisms) out.mechanisms.emplace_back(m);
    }
    conn.close();
    while (conn.busy()) {
        kcoro::loop_timer t(loop);
        co_await t.wait_until(loop.now() + 1ms);
    }
    co_return out;
}

TEST_CASE("protocol headers: every generated API's request and response header versions follow Kafka's rule") {
    CHECK(every_api(kcoro::kafka_apis{}) >= 15);
}

TEST_CASE("protocol headers: the request header at v1 and v2; the client id stays a classic string in v2") {
    kcoro::byte_buffer v1, v2;
    const kcoro::request_header h{.request_api_key = 17, .request_api_version = 1, .correlation_id = 7, .client_id = "t"};
    kcoro::wire_writer w1(v1), w2(v2);
    h.encode(w1, 1);
    h.encode(w2, 2);
    // RequestApiKey, RequestApiVersion, CorrelationId, ClientId (int16 length); v2 adds tags.
    CHECK(kcoro_test::hex(v1.view()) == "00110001000000070001" "74");
    CHECK(kcoro_test::hex(v2.view()) == "00110001000000070001" "7400");
}

TEST_CASE("protocol headers: a connection sends SaslHandshake (never flexible) with header v1 and reads header v0") {
    int ls = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(ls, 1) == 0);
    socklen_t len = sizeof a;
    ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
    const std::uint16_t port = ntohs(a.sin_port);

    // The broker is a blocking thread of the test that answers with fixed bytes.
    std::vector<std::uint8_t> handshake_frame;
    std::thread broker([ls, &handshake_frame] {
        const int c = ::accept(ls, nullptr, nullptr);
        // ApiVersions v4 (correlation id 1): response header v0, then ErrorCode, ApiKeys (compact)
        // [SaslHandshake 0-1, ApiVersions 0-4], ThrottleTimeMs, tags.
        if (!read_frame(c).empty()) send_hex(c, "0000001a" "00000001" "0000" "03" "00110000000100" "00120000000400" "00000000" "00");
        handshake_frame = read_frame(c);
        // SaslHandshake v1 (correlation id 2): response header v0, ErrorCode, Mechanisms ["PLAIN"].
        if (!handshake_frame.empty()) send_hex(c, "00000011" "00000002" "0000" "00000001" "0005504c41494e");
        (void)read_frame(c);  // until the client closes
        ::close(c);
    });
    kcoro::event_loop loop;
    const auto out = kcoro::run_until_complete(loop, handshake(loop, port));
    broker.join();
    ::close(ls);
    CHECK(out.error == "");
    CHECK(out.code == kcoro::errc::none);
    CHECK(out.mechanisms == std::vector<std::string>{"PLAIN"});
    // Size, then header v1: RequestApiKey 17, RequestApiVersion 1, CorrelationId 2, ClientId "t"
    // (no tagged fields), then Mechanism "PLAIN".
    CHECK(kcoro_test::hex(handshake_frame) == "00000012" "00110001000000020001" "74" "0005504c41494e");
}

}  // namespace protocol_header_versions_test
