// tls_stream over the simulated network, against an OpenSSL server on the other end of the pipe:
// the handshake, verification of the chain and of the host (name and IP), gathered writes and
// reads of any size, and what a peer that is not TLS does to the handshake. Certificates are made
// here, in memory; the real broker's listeners are checked by tests/integration/security_test.sh.
#include "../support/manual_runtime.hpp"

#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#if KCORO_HAS_OPENSSL

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace runtime_tls_stream_test {

using namespace std::chrono_literals;
using kcoro_test::manual_loop;
using kcoro_test::manual_runtime;

// A self-signed CA certificate naming `san` (e.g. "DNS:localhost,IP:127.0.0.1").
struct test_certificate {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    std::string pem;

    explicit test_certificate(const char* san) {
        key = EVP_EC_gen("P-256");
        cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kcoro test"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        for (auto [nid, value] : {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
            X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
            X509_add_ext(cert, ext, -1);
            X509_EXTENSION_free(ext);
        }
        X509_sign(cert, key, EVP_sha256());
        BIO* b = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(b, cert);
        BUF_MEM* m = nullptr;
        BIO_get_mem_ptr(b, &m);
        pem.assign(m->data, m->length);
        BIO_free(b);
    }
    test_certificate(const test_certificate&) = delete;
    test_certificate& operator=(const test_certificate&) = delete;
    ~test_certificate() {
        X509_free(cert);
        EVP_PKEY_free(key);
    }
};

// A TLS server on host:port of the loop's network that echoes what it reads. `tls = false`: a
// plaintext listener that closes on the first bytes, as Kafka's does on a ClientHello.
class echo_server {
public:
    // `client_ca`: the server requires a client certificate signed by it (mTLS).
    echo_server(manual_loop& loop, const std::string& host, std::uint16_t port, const test_certificate& c, bool tls = true,
                const test_certificate* client_ca = nullptr)
        : tls_(tls) {
        ctx_ = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(ctx_, c.cert);
        SSL_CTX_use_PrivateKey(ctx_, c.key);
        if (client_ca != nullptr) {
            X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), client_ca->cert);
            SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        }
        loop.listen(host, port, [this](std::shared_ptr<kcoro_test::memory_pipe> pipe) {
            auto s = std::make_unique<session>();
            s->pipe = std::move(pipe);
            s->ssl = SSL_new(ctx_);
            s->rbio = BIO_new(BIO_s_mem());
            s->wbio = BIO_new(BIO_s_mem());
            BIO_set_mem_eof_return(s->rbio, -1);
            SSL_set_bio(s->ssl, s->rbio, s->wbio);
            SSL_set_accept_state(s->ssl);
            session* raw = s.get();
            raw->pipe->on_client_bytes = [this, raw](kcoro::bytes_view b) { on_bytes(*raw, b); };
            sessions_.push_back(std::move(s));
        });
    }
    echo_server(const echo_server&) = delete;
    echo_server& operator=(const echo_server&) = delete;
    ~echo_server() {
        for (auto& s : sessions_) {
            s->pipe->on_client_bytes = nullptr;
            SSL_free(s->ssl);
        }
        SSL_CTX_free(ctx_);
    }

    std::size_t echoed() const noexcept { return echoed_; }
    // Before each echo, a TLS 1.3 KeyUpdate that asks the client to update its keys too.
    void update_keys_before_echo() noexcept { key_update_ = true; }

private:
    struct session {
        std::shared_ptr<kcoro_test::memory_pipe> pipe;
        SSL* ssl = nullptr;
        BIO* rbio = nullptr;
        BIO* wbio = nullptr;
    };

    void on_bytes(session& s, kcoro::bytes_view b) {
        if (!tls_) {
            s.pipe->close_from_server();
            return;
        }
        BIO_write(s.rbio, b.data(), static_cast<int>(b.size()));
        if (!SSL_is_init_finished(s.ssl) && SSL_do_handshake(s.ssl) != 1) {
            flush(s);  // the server's flight, or its alert
            return;
        }
        unsigned char buf[4096];
        std::size_t n = 0;
        while (SSL_read_ex(s.ssl, buf, sizeof buf, &n) == 1) {
            if (key_update_) SSL_key_update(s.ssl, SSL_KEY_UPDATE_REQUESTED);
            std::size_t written = 0;
            SSL_write_ex(s.ssl, buf, n, &written);
            echoed_ += n;
        }
        flush(s);
    }
    static void flush(session& s) {
        char* data = nullptr;
        const long n = BIO_get_mem_data(s.wbio, &data);
        if (n <= 0) return;
        s.pipe->send_to_client(kcoro::bytes_view(reinterpret_cast<const kcoro::byte*>(data), static_cast<std::size_t>(n)));
        (void)BIO_reset(s.wbio);
    }

    bool tls_;
    bool key_update_ = false;
    SSL_CTX* ctx_ = nullptr;
    std::vector<std::unique_ptr<session>> sessions_;
    std::size_t echoed_ = 0;
};

kcoro::tls_context context(const std::string& ca_pem, bool verify_hostname = true) {
    kcoro::tls_context::options o;
    o.ca_pem = ca_pem;
    o.verify_hostname = verify_hostname;
    auto c = kcoro::tls_context::create(o);
    REQUIRE(c);
    return std::move(*c);
}

// Connects to host:9093, shakes hands, writes `parts` and reads back as many bytes.
kcoro::task<kcoro::result<std::string>> echo(manual_runtime& rt, const kcoro::tls_context& ctx, std::string host,
                                             std::vector<std::string> parts) {
    auto s = co_await rt.connect(host, 9093, 1000ms);
    if (!s) co_return std::move(s).err();
    auto t = kcoro::tls_stream<manual_runtime::stream_type>::create(std::move(*s), ctx, host, host + ":9093");
    if (!t) co_return std::move(t).err();
    auto h = co_await t->handshake();
    if (!h) co_return std::move(h).err();
    std::vector<kcoro::bytes_view> views;
    std::size_t total = 0;
    for (const auto& p : parts) {
        views.emplace_back(reinterpret_cast<const kcoro::byte*>(p.data()), p.size());
        total += p.size();
    }
    auto w = co_await t->write(std::span<const kcoro::bytes_view>(views));
    if (!w) co_return std::move(w).err();
    std::string got;
    while (got.size() < total) {
        kcoro::byte buf[3000];
        auto n = co_await t->read_some(kcoro::mutable_bytes(buf, sizeof buf));
        if (!n) co_return std::move(n).err();
        got.append(reinterpret_cast<const char*>(buf), *n);
    }
    t->close();
    co_return got;
}

// Writes `text` to a file of its own and returns its path.
std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/kcoro-tls-test-" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return path;
}
// The certificate's key as PEM, encrypted with `passphrase` when one is given.
std::string key_pem(const test_certificate& c, const char* passphrase = nullptr) {
    BIO* b = BIO_new(BIO_s_mem());
    if (passphrase != nullptr)
        PEM_write_bio_PKCS8PrivateKey(b, c.key, EVP_aes_256_cbc(), nullptr, 0, nullptr, const_cast<char*>(passphrase));
    else
        PEM_write_bio_PrivateKey(b, c.key, nullptr, nullptr, 0, nullptr, nullptr);
    BUF_MEM* m = nullptr;
    BIO_get_mem_ptr(b, &m);
    std::string out(m->data, m->length);
    BIO_free(b);
    return out;
}

// How OpenSSL writes an error raised with ERR_LIB_USER, as the tests below raise them.
constexpr std::string_view user_error = "lib(128)";

// The simulated stream, except that each write leaves an error on this thread's OpenSSL queue,
// as another connection (or the application's own TLS) running while the write waits may.
class noisy_stream {
public:
    explicit noisy_stream(manual_runtime::stream_type s) noexcept : inner_(std::move(s)) {}
    kcoro::task<kcoro::result<void>> write(std::span<const kcoro::bytes_view> views) {
        ERR_raise_data(ERR_LIB_USER, 1, "another connection's error");
        co_return co_await inner_.write(views);
    }
    auto read_some(kcoro::mutable_bytes buf) { return inner_.read_some(buf); }
    void close() { inner_.close(); }

private:
    manual_runtime::stream_type inner_;
};

// Connects to host:9093 over noisy_stream, shakes hands and has "ping" echoed.
kcoro::task<kcoro::result<std::string>> noisy_ping(manual_runtime& rt, const kcoro::tls_context& ctx, std::string host) {
    auto s = co_await rt.connect(host, 9093, 1000ms);
    if (!s) co_return std::move(s).err();
    auto t = kcoro::tls_stream<noisy_stream>::create(noisy_stream(std::move(*s)), ctx, host, host + ":9093");
    if (!t) co_return std::move(t).err();
    auto h = co_await t->handshake();
    if (!h) co_return std::move(h).err();
    const std::string ping = "ping";
    const kcoro::bytes_view view(reinterpret_cast<const kcoro::byte*>(ping.data()), ping.size());
    if (auto w = co_await t->write(std::span<const kcoro::bytes_view>(&view, 1)); !w) co_return std::move(w).err();
    kcoro::byte buf[16];
    auto n = co_await t->read_some(kcoro::mutable_bytes(buf, sizeof buf));
    if (!n) co_return std::move(n).err();
    t->close();
    co_return std::string(reinterpret_cast<const char*>(buf), *n);
}

kcoro::task<kcoro::result<void>> connect(kcoro::broker_connection<manual_runtime>& c, std::chrono::milliseconds timeout) {
    co_return co_await c.connect(timeout, 30s);
}

// Connects to localhost:9093, shakes hands, then writes each message and reads its echo before
// the next.
kcoro::task<kcoro::result<std::string>> echo_each(manual_runtime& rt, const kcoro::tls_context& ctx, std::vector<std::string> messages) {
    auto s = co_await rt.connect("localhost", 9093, 1000ms);
    if (!s) co_return std::move(s).err();
    auto t = kcoro::tls_stream<manual_runtime::stream_type>::create(std::move(*s), ctx, "localhost", "localhost:9093");
    if (!t) co_return std::move(t).err();
    if (auto h = co_await t->handshake(); !h) co_return std::move(h).err();
    std::string got;
    for (const auto& m : messages) {
        const kcoro::bytes_view view(reinterpret_cast<const kcoro::byte*>(m.data()), m.size());
        if (auto w = co_await t->write(std::span<const kcoro::bytes_view>(&view, 1)); !w) co_return std::move(w).err();
        for (std::size_t have = 0; have < m.size();) {
            kcoro::byte buf[4096];
            auto n = co_await t->read_some(kcoro::mutable_bytes(buf, sizeof buf));
            if (!n) co_return std::move(n).err();
            got.append(reinterpret_cast<const char*>(buf), *n);
            have += *n;
        }
    }
    t->close();
    co_return got;
}

// Connects to host:port and shakes hands, nothing more.
kcoro::task<kcoro::result<void>> handshake_only(manual_runtime& rt, const kcoro::tls_context& ctx, std::string host, std::uint16_t port) {
    auto s = co_await rt.connect(host, port, 1000ms);
    if (!s) co_return std::move(s).err();
    auto t = kcoro::tls_stream<manual_runtime::stream_type>::create(std::move(*s), ctx, host);
    if (!t) co_return std::move(t).err();
    auto h = co_await t->handshake();
    t->close();
    co_return h;
}

std::string detail_of(const kcoro::result<std::string>& r) { return r ? std::string("(succeeded)") : r.err().detail(); }

TEST_CASE("tls_stream: handshake, then small and large writes arrive whole and in order") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate cert("DNS:localhost,IP:127.0.0.1");
    echo_server server(loop, "localhost", 9093, cert);
    const auto ctx = context(cert.pem);
    // Small parts are gathered into records; the 100 KiB one goes to OpenSSL as it is.
    std::vector<std::string> parts{"size", "header", std::string(100 * 1024, 'x'), "tail", std::string(5000, 'y')};
    std::string all;
    for (const auto& p : parts) all += p;
    auto r = kcoro_test::spawn(loop, echo(rt, ctx, "localhost", parts));
    loop.run_until([&] { return r->done(); }, 10s);
    REQUIRE(r->done());
    INFO(detail_of(*r->value));
    REQUIRE(*r->value);
    CHECK(**r->value == all);
    CHECK(server.echoed() == all.size());
}

TEST_CASE("tls_stream: the certificate must chain to a trusted CA and name the host or IP connected to") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate cert("DNS:localhost,IP:127.0.0.1");
    test_certificate other("DNS:localhost");
    echo_server by_name(loop, "localhost", 9093, cert);
    echo_server by_ip(loop, "127.0.0.1", 9093, cert);
    echo_server elsewhere(loop, "broker.example", 9093, cert);
    const auto run = [&](const kcoro::tls_context& ctx, const char* host) {
        auto r = kcoro_test::spawn(loop, echo(rt, ctx, host, {"ping"}));
        loop.run_until([&] { return r->done(); }, 10s);
        REQUIRE(r->done());
        return std::move(*r->value);
    };

    const auto trusting = context(cert.pem);
    CHECK(run(trusting, "127.0.0.1"));

    const auto trusting_other = context(other.pem);
    auto untrusted = run(trusting_other, "localhost");
    REQUIRE_FALSE(untrusted);
    CHECK(untrusted.err() == kcoro::errc::tls_failed);
    CHECK(untrusted.err().detail().rfind("TLS handshake with broker localhost:9093: certificate verify failed: ", 0) == 0);
    CHECK(untrusted.err().detail().find("ssl_ca_location or ssl_ca_pem must hold the CA") != std::string::npos);

    auto mismatch = run(trusting, "broker.example");
    REQUIRE_FALSE(mismatch);
    CHECK(mismatch.err().detail().find("certificate verify failed: hostname mismatch (the certificate does not name broker.example") !=
          std::string::npos);
    // The loud switch: any host's certificate, as long as the chain is trusted.
    const auto any_host = context(cert.pem, false);
    CHECK(run(any_host, "broker.example"));
    const auto any_host_untrusted = context(other.pem, false);
    auto still_untrusted = run(any_host_untrusted, "broker.example");
    CHECK_FALSE(still_untrusted);
}

TEST_CASE("tls_stream: a plaintext listener that hangs up on the ClientHello is named as such") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate cert("DNS:localhost");
    echo_server plaintext(loop, "localhost", 9093, cert, false);
    const auto ctx = context(cert.pem);  // named: the lazy task keeps a reference to it
    auto r = kcoro_test::spawn(loop, echo(rt, ctx, "localhost", {"ping"}));
    loop.run_until([&] { return r->done(); }, 10s);
    REQUIRE(r->done());
    REQUIRE_FALSE(*r->value);
    CHECK(r->value->err() == kcoro::errc::tls_failed);
    CHECK(r->value->err().detail().find("broker localhost:9093 closed the connection during the TLS handshake") != std::string::npos);
    CHECK(r->value->err().detail().find("is it a PLAINTEXT or SASL_PLAINTEXT listener?") != std::string::npos);
}

TEST_CASE("tls_stream: a client certificate with an encrypted key passes a server that requires one") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate server_cert("DNS:localhost");
    test_certificate client_cert("DNS:client");
    echo_server server(loop, "localhost", 9093, server_cert, true, &client_cert);
    const auto run = [&](const kcoro::tls_context& ctx) {
        auto r = kcoro_test::spawn(loop, echo(rt, ctx, "localhost", {"ping"}));
        loop.run_until([&] { return r->done(); }, 10s);
        REQUIRE(r->done());
        return std::move(*r->value);
    };

    // Without one, the server refuses (in TLS 1.3 after the client's side of the handshake, so
    // the first read says so).
    const auto anonymous = context(server_cert.pem);
    auto refused = run(anonymous);
    REQUIRE_FALSE(refused);
    CHECK(refused.err() == kcoro::errc::tls_failed);
    CHECK(refused.err().detail().find("certificate required") != std::string::npos);
    CHECK(refused.err().detail().find("(the broker requires a client certificate: set ssl_certificate_location and ssl_key_location)") !=
          std::string::npos);

    kcoro::tls_context::options o;
    o.ca_pem = server_cert.pem;
    o.certificate_location = write_file("client.pem", client_cert.pem);
    o.key_location = write_file("client.key", key_pem(client_cert, "key-passphrase"));
    o.key_password = "wrong";
    auto wrong = kcoro::tls_context::create(o);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.err().detail().rfind("ssl_key_location: reading '" + o.key_location + "' (is ssl_key_password right?)", 0) == 0);
    CHECK(wrong.err().detail().find("key-passphrase") == std::string::npos);

    o.key_password = "key-passphrase";
    auto with_cert = kcoro::tls_context::create(o);
    REQUIRE(with_cert);
    auto echoed = run(*with_cert);
    INFO(detail_of(echoed));
    REQUIRE(echoed);
    CHECK(*echoed == "ping");

    // A certificate the server does not trust.
    test_certificate stranger("DNS:stranger");
    kcoro::tls_context::options s;
    s.ca_pem = server_cert.pem;
    s.certificate_location = write_file("stranger.pem", stranger.pem);
    s.key_location = write_file("stranger.key", key_pem(stranger));
    auto stranger_ctx = kcoro::tls_context::create(s);
    REQUIRE(stranger_ctx);
    auto untrusted = run(*stranger_ctx);
    REQUIRE_FALSE(untrusted);
    CHECK(untrusted.err() == kcoro::errc::tls_failed);
    INFO(untrusted.err().detail());
    CHECK(untrusted.err().detail().find("(the broker refused the client certificate of ssl_certificate_location: it must be valid now and "
                                        "signed by a CA in the broker's truststore)") != std::string::npos);

    // A key that is not the certificate's.
    o.key_location = write_file("other.key", key_pem(server_cert));
    o.key_password.clear();
    auto mismatched = kcoro::tls_context::create(o);
    REQUIRE_FALSE(mismatched);
    CHECK(mismatched.err().detail().rfind("ssl_key_location: the key does not match the certificate", 0) == 0);
}

TEST_CASE("tls_stream: an error another connection leaves on the thread's OpenSSL queue neither fails the handshake nor shows") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate cert("DNS:localhost");
    echo_server server(loop, "localhost", 9093, cert);
    echo_server plaintext(loop, "plain.example", 9093, cert, false);
    const auto ctx = context(cert.pem, false);
    const auto run = [&](const char* host) {
        auto r = kcoro_test::spawn(loop, noisy_ping(rt, ctx, host));
        loop.run_until([&] { return r->done(); }, 10s);
        REQUIRE(r->done());
        return std::move(*r->value);
    };

    auto echoed = run("localhost");
    INFO(detail_of(echoed));
    REQUIRE(echoed);
    CHECK(*echoed == "ping");
    // A handshake that fails for its own reason gives that reason only.
    auto refused = run("plain.example");
    REQUIRE_FALSE(refused);
    CHECK(refused.err().detail().find(user_error) == std::string::npos);
    ERR_clear_error();
}

TEST_CASE("tls_context: an error already on the thread's OpenSSL queue is not reported as its own") {
    ERR_raise_data(ERR_LIB_USER, 1, "an earlier caller's error");
    kcoro::tls_context::options o;
    o.ca_location = write_file("not-a-ca.pem", "not a certificate\n");
    auto c = kcoro::tls_context::create(o);
    REQUIRE_FALSE(c);
    CHECK(c.err().detail().rfind("ssl_ca_location: reading '" + o.ca_location + "'", 0) == 0);
    CHECK(c.err().detail().find(user_error) == std::string::npos);
    ERR_clear_error();
}

TEST_CASE("shared_tls_context: the CA file is read by the first connection only, and serves every later one") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate cert("DNS:localhost");
    echo_server server(loop, "localhost", 9093, cert);
    kcoro::producer_config config;
    config.security_protocol = kcoro::security_protocol::ssl;
    config.ssl_ca_location = write_file("shared-ca.pem", cert.pem);
    kcoro::shared_tls_context shared;
    auto first = shared.get(config);
    REQUIRE(first);
    // Gone from the disk: a context made again from the settings could no longer trust the server.
    REQUIRE(std::remove(config.ssl_ca_location.c_str()) == 0);
    auto again = shared.get(config);
    REQUIRE(again);
    CHECK(*again == *first);
    CHECK_FALSE(kcoro::shared_tls_context().get(config));
    auto r = kcoro_test::spawn(loop, echo_each(rt, **again, {"still trusted"}));
    loop.run_until([&] { return r->done(); }, 10s);
    REQUIRE(r->done());
    INFO(detail_of(*r->value));
    REQUIRE(*r->value);
    CHECK(**r->value == "still trusted");
}

TEST_CASE("shared_tls_context: a CA file it could not read is read again by the next connection") {
    kcoro::producer_config config;
    config.security_protocol = kcoro::security_protocol::ssl;
    config.ssl_ca_location = "/tmp/kcoro-tls-test-appears-later.pem";
    std::remove(config.ssl_ca_location.c_str());
    kcoro::shared_tls_context shared;
    auto missing = shared.get(config);
    REQUIRE_FALSE(missing);
    CHECK(missing.err() == kcoro::errc::tls_failed);
    CHECK(missing.err().detail().rfind("ssl_ca_location: reading '" + config.ssl_ca_location + "'", 0) == 0);
    test_certificate cert("DNS:localhost");
    CHECK(write_file("appears-later.pem", cert.pem) == config.ssl_ca_location);
    CHECK(shared.get(config));
    std::remove(config.ssl_ca_location.c_str());
}

TEST_CASE("broker_connection: a TLS handshake the broker never answers ends at socket_connection_setup_timeout") {
    manual_loop loop;
    manual_runtime rt(loop);
    std::vector<std::shared_ptr<kcoro_test::memory_pipe>> silent;
    loop.listen("localhost", 9093, [&](std::shared_ptr<kcoro_test::memory_pipe> pipe) {
        pipe->on_client_bytes = [](kcoro::bytes_view) {};
        silent.push_back(std::move(pipe));
    });
    kcoro::producer_config config;
    config.security_protocol = kcoro::security_protocol::ssl;
    kcoro::broker_connection<manual_runtime> conn(rt, "localhost", 9093, config);
    const auto started = loop.now();
    auto r = kcoro_test::spawn(loop, connect(conn, 2500ms));
    loop.run_until([&] { return r->done(); }, 60s);
    REQUIRE(r->done());
    REQUIRE_FALSE(*r->value);
    CHECK(r->value->err() == kcoro::errc::tls_failed);
    CHECK(r->value->err().detail() ==
          "TLS handshake with broker localhost:9093 did not finish within socket_connection_setup_timeout");
    CHECK(loop.now() - started == 2500ms);
    CHECK_FALSE(conn.ready());
    loop.run_idle();
    CHECK_FALSE(conn.busy());
}

TEST_CASE("tls_stream: a key update the broker asks for in a read goes out, in order, with the next write") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate cert("DNS:localhost");
    echo_server server(loop, "localhost", 9093, cert);
    server.update_keys_before_echo();
    const auto ctx = context(cert.pem);
    // The server reads each message under the client's new keys: had the client's KeyUpdate been
    // lost, reordered or sent after the records it protects, the server could not decrypt them.
    const std::vector<std::string> messages{"first", std::string(20000, 's'), "third", "fourth"};
    auto r = kcoro_test::spawn(loop, echo_each(rt, ctx, messages));
    loop.run_until([&] { return r->done(); }, 10s);
    REQUIRE(r->done());
    INFO(detail_of(*r->value));
    REQUIRE(*r->value);
    std::string all;
    for (const auto& m : messages) all += m;
    CHECK(**r->value == all);
    CHECK(server.echoed() == all.size());
}

TEST_CASE("tls_stream: a wildcard matches one whole leftmost label, never part of one") {
    manual_loop loop;
    manual_runtime rt(loop);
    test_certificate whole("DNS:*.example.com");
    test_certificate partial("DNS:b*.example.com");
    echo_server by_whole(loop, "broker.example.com", 9093, whole);
    echo_server two_labels(loop, "a.broker.example.com", 9093, whole);
    echo_server by_partial(loop, "broker.example.com", 9094, partial);
    const auto run = [&](const kcoro::tls_context& ctx, const char* host, std::uint16_t port) {
        auto r = kcoro_test::spawn(loop, handshake_only(rt, ctx, host, port));
        loop.run_until([&] { return r->done(); }, 10s);
        REQUIRE(r->done());
        return std::move(*r->value);
    };
    CHECK(run(context(whole.pem), "broker.example.com", 9093));
    auto deeper = run(context(whole.pem), "a.broker.example.com", 9093);
    REQUIRE_FALSE(deeper);
    CHECK(deeper.err().detail().find("hostname mismatch") != std::string::npos);
    auto part = run(context(partial.pem), "broker.example.com", 9094);
    REQUIRE_FALSE(part);
    CHECK(part.err().detail().find("hostname mismatch") != std::string::npos);
}

#endif  // KCORO_HAS_OPENSSL

}  // namespace runtime_tls_stream_test
