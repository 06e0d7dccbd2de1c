// The sans-I/O HTTP/1.1 pieces the Schema Registry client will use: requests written with their
// framing and nothing smuggled in; responses read in pieces of any size, framed by length,
// chunks or close, with every malformed, ambiguous, oversized or cut-short input an error value.
#include <kcoro/avro.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace http_test {

std::string written(const kcoro::http_request& r) {
    kcoro::byte_buffer out;
    auto ok = kcoro::write_http_request(r, out);
    if (!ok) return "error: " + ok.err().detail();
    return std::string(kcoro::as_string_view(out.view()));
}

// Feeds the whole text at once and one byte at a time; both must agree.
struct parsed {
    bool ok = false;
    std::string error;
    kcoro::errc code = kcoro::errc::none;
    kcoro::http_response response;
    std::size_t used = 0;
};

parsed parse_pieces(std::string_view text, std::size_t piece, bool close_after, const kcoro::http_limits& limits, bool head) {
    parsed p;
    kcoro::http_response_parser parser(limits);
    if (head) parser.expect_no_body();
    std::size_t at = 0;
    while (at < text.size() && !parser.done()) {
        const std::string_view chunk = text.substr(at, piece);
        auto n = parser.feed(chunk);
        if (!n) {
            p.error = n.err().detail();
            p.code = n.err().kind();
            return p;
        }
        at += *n;
        if (*n < chunk.size()) break;  // the response ended inside this piece
    }
    p.used = at;
    if (!parser.done() && close_after) {
        auto f = parser.finish();
        if (!f) {
            p.error = f.err().detail();
            p.code = f.err().kind();
            return p;
        }
    }
    if (!parser.done()) {
        p.error = "not done";
        return p;
    }
    p.ok = true;
    p.response = parser.take();
    return p;
}

parsed parse(std::string_view text, bool close_after = false, const kcoro::http_limits& limits = {}, bool head = false) {
    parsed whole = parse_pieces(text, text.size() + 1, close_after, limits, head);
    parsed bytewise = parse_pieces(text, 1, close_after, limits, head);
    CHECK(whole.ok == bytewise.ok);
    CHECK(whole.error == bytewise.error);
    if (whole.ok && bytewise.ok) {
        CHECK(whole.response.body() == bytewise.response.body());
        CHECK(whole.used == bytewise.used);
    }
    return whole;
}

std::string malformed(std::string_view text, bool close_after = false, const kcoro::http_limits& limits = {}) {
    parsed p = parse(text, close_after, limits);
    CHECK_FALSE(p.ok);
    CHECK(p.code == kcoro::errc::malformed_http);
    return p.error;
}

TEST_CASE("http_test: requests carry Host and their body's length, and nothing else of the framing") {
    CHECK(written({.method = "GET", .target = "/subjects", .host = "registry:8081"}) ==
          "GET /subjects HTTP/1.1\r\nHost: registry:8081\r\n\r\n");
    const kcoro::http_header h[] = {{"Accept", "application/vnd.schemaregistry.v1+json"}, {"Content-Type", "application/json"}};
    CHECK(written({.method = "POST", .target = "/subjects/orders-value/versions", .host = "r", .headers = h, .body = "{\"schema\":\"\\\"int\\\"\"}"}) ==
          "POST /subjects/orders-value/versions HTTP/1.1\r\nHost: r\r\nAccept: application/vnd.schemaregistry.v1+json\r\n"
          "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"schema\":\"\\\"int\\\"\"}");
    CHECK(written({.method = "PUT", .target = "/config", .host = "r"}) == "PUT /config HTTP/1.1\r\nHost: r\r\nContent-Length: 0\r\n\r\n");
    CHECK(written({.method = "DELETE", .target = "/subjects/s", .host = "r", .body = ""}) ==
          "DELETE /subjects/s HTTP/1.1\r\nHost: r\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("http_test: a request that would smuggle another is refused") {
    const kcoro::http_header crlf[] = {{"X-Id", "1\r\nGET /admin HTTP/1.1"}};
    CHECK(written({.target = "/", .host = "r", .headers = crlf}) == "error: http: the value of header X-Id holds a control character");
    const kcoro::http_header space[] = {{"Bad Name", "x"}};
    CHECK(written({.target = "/", .host = "r", .headers = space}) == "error: http: the header name \"Bad Name\" is not a token");
    const kcoro::http_header length[] = {{"content-length", "5"}};
    CHECK(written({.target = "/", .host = "r", .headers = length}) == "error: http: the header content-length is written by the request writer");
    CHECK(written({.target = "/a b", .host = "r"}) == "error: http: the request target holds a space, a control or a non-ASCII character");
    CHECK(written({.target = "x", .host = "r"}) == "error: http: the request target must start with '/'");
    CHECK(written({.method = "G T", .target = "/", .host = "r"}) == "error: http: the method \"G T\" is not a token");
    CHECK(written({.target = "/", .host = ""}) == "error: http: the host \"\" is empty or not a host[:port]");
    CHECK(written({.target = "/", .host = "r\nX: y"}) == "error: http: the host \"r\nX: y\" is empty or not a host[:port]");
}

TEST_CASE("http_test: a response framed by Content-Length, read in any pieces") {
    const std::string text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 8\r\nX-Empty:\r\n\r\n{\"id\":1}";
    parsed p = parse(text);
    REQUIRE(p.ok);
    CHECK(p.response.status() == 200);
    CHECK(p.response.reason() == "OK");
    CHECK(p.response.minor_version() == 1);
    CHECK(p.response.header("CONTENT-TYPE") == "application/json");
    CHECK(p.response.header("x-empty") == "");
    CHECK_FALSE(p.response.header("missing"));
    CHECK(p.response.body() == "{\"id\":1}");
    CHECK(p.response.keep_alive());
    CHECK(p.response.headers().size() == 3);
}

TEST_CASE("http_test: chunked bodies, with extensions and trailers") {
    parsed p = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nWiki\r\n5\r\npedia\r\nE \r\n in\r\n\r\nchunks.\r\n"
                     "0\r\nExpires: never\r\n\r\n");
    REQUIRE(p.ok);
    CHECK(p.response.body() == "Wikipedia in\r\n\r\nchunks.");
    parsed empty = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n");
    REQUIRE(empty.ok);
    CHECK(empty.response.body().empty());
}

TEST_CASE("http_test: interim responses are skipped; 204, 304 and HEAD responses have no body") {
    parsed p = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    REQUIRE(p.ok);
    CHECK(p.response.status() == 201);
    CHECK(p.response.body() == "ok");
    CHECK(p.response.headers().size() == 1);
    CHECK(parse("HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n").ok);
    CHECK(parse("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n").ok);
    parsed head = parse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", false, {}, true);
    REQUIRE(head.ok);
    CHECK(head.response.body().empty());
}

TEST_CASE("http_test: a body without a length runs to the close, and the connection is not reused") {
    parsed p = parse("HTTP/1.0 200 OK\r\n\r\nall of it", true);
    REQUIRE(p.ok);
    CHECK(p.response.body() == "all of it");
    CHECK_FALSE(p.response.keep_alive());
    CHECK_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").response.keep_alive());
    CHECK(parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").response.keep_alive());
    CHECK_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").response.keep_alive());
}

TEST_CASE("http_test: bytes after the response are left for the next one") {
    const std::string two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nb";
    kcoro::http_response_parser parser;
    auto n = parser.feed(two);
    REQUIRE(n);
    REQUIRE(parser.done());
    CHECK(parser.take().body() == "a");
    auto m = parser.feed(std::string_view(two).substr(*n));
    REQUIRE(m);
    REQUIRE(parser.done());
    CHECK(*n + *m == two.size());
    CHECK(parser.response().status() == 404);
    CHECK(parser.response().body() == "b");
}

TEST_CASE("http_test: a response cut short is truncated, not complete") {
    for (std::string_view text : {"", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
                                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"}) {
        CAPTURE(text);
        parsed p = parse(text, true);
        CHECK_FALSE(p.ok);
        CHECK(p.code == kcoro::errc::truncated);
    }
    CHECK(parse("", true).error == "http: the connection closed before a response");
    CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", true).error ==
          "http: the connection closed 2 bytes before the end of the body");
}

TEST_CASE("http_test: malformed and ambiguous responses are refused") {
    CHECK(malformed("HTTP/2 200 OK\r\n\r\n") == "http: the status line does not start with HTTP/1.x and a space");
    CHECK(malformed("ICY 200 OK\r\n\r\n") == "http: the status line does not start with HTTP/1.x and a space");
    CHECK(malformed("HTTP/1.1 2x0 OK\r\n\r\n") == "http: the status code is not three digits");
    CHECK(malformed("HTTP/1.1 2000 OK\r\n\r\n") == "http: the status code is not three digits");
    CHECK(malformed("HTTP/1.1 099 Low\r\n\r\n") == "http: the status code 99 is below 100");
    CHECK(malformed("HTTP/1.1 101 Switching Protocols\r\n\r\n") == "http: 101 Switching Protocols was not asked for");
    CHECK(malformed("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n") == "http: a header line without ':'");
    CHECK(malformed("HTTP/1.1 200 OK\r\nName : value\r\n\r\n") == "http: the header name \"Name \" is not a token");
    CHECK(malformed("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n") == "http: obsolete line folding in a header");
    CHECK(malformed("HTTP/1.1 200 OK\r\nA: b\nC: d\r\n\r\n") == "http: a bare CR or LF in the response head");
    CHECK(malformed("HTTP/1.1 200 OK\r\nA: b\x01\r\n\r\n") == "http: the header A holds a control character");
    CHECK(malformed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") ==
          "http: the response has both Transfer-Encoding and Content-Length");
    CHECK(malformed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
          "http: the response has differing Content-Lengths");
    CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\nContent-Length: 1\r\n\r\nx").ok);
    CHECK(malformed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") == "http: the Content-Length \"-1\" is not a length");
    CHECK(malformed("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n") == "http: the Content-Length \"1e3\" is not a length");
    CHECK(malformed("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n") ==
          "http: the Content-Length \"99999999999999999999\" is not a length");
    CHECK(malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") ==
          "http: the transfer coding \"gzip, chunked\" is not supported (only chunked is)");
    CHECK(malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") ==
          "http: the transfer coding \"chunked\" is not supported (only chunked is)");
    const std::string_view chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(malformed(std::string(chunked) + "x\r\n") == "http: a chunk-size line that does not start with hex digits");
    CHECK(malformed(std::string(chunked) + "1000000000000000\r\n") == "http: a chunk size of more than 15 hex digits");
    CHECK(malformed(std::string(chunked) + "2 junk\r\n") == "http: a chunk size followed by something other than an extension");
    CHECK(malformed(std::string(chunked) + "2\r\nabX\r\n") == "http: a chunk's data is not followed by CRLF");
    CHECK(malformed(std::string(chunked) + "2\nab\r\n") == "http: a bare LF in a chunked body");
    CHECK(malformed(std::string(chunked) + "2\rab\r\n") == "http: a bare CR in a chunked body");
    CHECK(malformed(std::string(chunked) + "0\r\nbad trailer\r\n\r\n") == "http: a header line without ':'");
}

TEST_CASE("http_test: sizes are bounded") {
    kcoro::http_limits small;
    small.max_head_bytes = 64;
    small.max_headers = 2;
    small.max_body_bytes = 10;
    small.max_chunk_line_bytes = 8;
    CHECK(malformed("HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a') + "\r\n\r\n", false, small) ==
          "http: the response head is larger than the limit of 64 bytes");
    CHECK(malformed("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", false, small) == "http: more than 2 headers");
    CHECK(malformed("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", false, small) ==
          "http: the body of 11 bytes is larger than the limit of 10");
    CHECK(malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n", false, small) ==
          "http: the chunked body is larger than the limit of 10 bytes");
    CHECK(malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;aaaaaaaaaa\r\n", false, small) ==
          "http: a chunk-size line longer than the limit");
    CHECK(malformed("HTTP/1.0 200 OK\r\n\r\n" + std::string(11, 'x'), true, small) ==
          "http: the body is larger than the limit of 10 bytes");
    // An error stays: more bytes do not revive the parser.
    kcoro::http_response_parser parser(small);
    CHECK_FALSE(parser.feed(std::string_view("HTTP/9.9 200 OK\r\n\r\n")));
    CHECK_FALSE(parser.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")));
    CHECK_FALSE(parser.finish());
}

}  // namespace http_test
