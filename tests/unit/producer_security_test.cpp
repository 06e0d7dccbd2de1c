// The security settings (security_protocol, SASL, TLS): validation naming the field, the
// properties path in librdkafka's and Java's names, the bootstrap scheme, the SASL login's steps
// and errors, and that no password appears in any of their text.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace producer_security_test {

using namespace std::string_view_literals;

kcoro::producer_config sasl_ssl() {
    kcoro::producer_config c;
    c.bootstrap_servers = "127.0.0.1:9093";
    c.security_protocol = kcoro::security_protocol::sasl_ssl;
    c.sasl_mechanism = kcoro::sasl_mechanism::scram_sha_512;
    c.sasl_username = "alice";
    c.sasl_password = "hunter2-secret";
    return c;
}
bool names(const kcoro::result<void>& r, std::string_view field) {
    return !r && r.err() == kcoro::errc::bad_config && r.err().detail().rfind(field, 0) == 0;
}
std::string all_text(const kcoro::producer_properties& p) {
    std::string s;
    for (const auto& d : p.diagnostics()) s += d.text + "\n";
    return s;
}
// A file that exists, for the settings that must name one.
std::string existing_file() {
    const char* path = "/tmp/kcoro-security-test.pem";
    if (std::FILE* f = std::fopen(path, "wb")) {
        std::fputs("-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n", f);
        std::fclose(f);
    }
    return path;
}
kcoro::sasl_handshake_response handshake_ok() { return {}; }
kcoro::sasl_authenticate_response authenticated(std::string_view bytes) {
    kcoro::sasl_authenticate_response r;
    r.auth_bytes = kcoro::byte_buffer(kcoro::bytes_view(reinterpret_cast<const kcoro::byte*>(bytes.data()), bytes.size()));
    r.session_lifetime_ms = 3600000;
    return r;
}

TEST_CASE("security settings are validated, each error naming its field") {
#if KCORO_HAS_OPENSSL
    CHECK(kcoro::validate(sasl_ssl()));
#endif
    auto c = sasl_ssl();
    c.sasl_username.clear();
    CHECK(names(kcoro::validate(c), "sasl_username"));
    c = sasl_ssl();
    c.sasl_password = std::string("a\0b", 3);
    CHECK(names(kcoro::validate(c), "sasl_password"));

    // A setting the protocol does not use is an error, not a silent drop.
    kcoro::producer_config p;
    p.bootstrap_servers = "h:9092";
    p.sasl_username = "alice";
    CHECK(names(kcoro::validate(p), "sasl_username"));
    p.sasl_username.clear();
    p.sasl_password = "hunter2-secret";
    CHECK(names(kcoro::validate(p), "sasl_password"));
    CHECK(kcoro::validate(p).err().detail().find("hunter2") == std::string::npos);
    p.sasl_password.clear();
    p.ssl_ca_location = "/etc/ssl/certs";
    CHECK(names(kcoro::validate(p), "ssl_ca_location"));
    p.ssl_ca_location.clear();
    p.ssl_endpoint_identification = kcoro::ssl_endpoint_identification::none_insecure;
    CHECK(names(kcoro::validate(p), "ssl_endpoint_identification"));

#if KCORO_HAS_OPENSSL
    c = sasl_ssl();
    c.ssl_ca_location = existing_file();
    CHECK(kcoro::validate(c));
    c.ssl_ca_pem = "-----BEGIN CERTIFICATE-----\n...";
    CHECK(names(kcoro::validate(c), "ssl_ca_pem"));
    c.ssl_ca_location.clear();
    c.ssl_ca_pem = "not pem";
    CHECK(names(kcoro::validate(c), "ssl_ca_pem"));
    c = sasl_ssl();
    c.ssl_ca_location = "/nonexistent/ca.pem";
    CHECK(names(kcoro::validate(c), "ssl_ca_location"));
    c = sasl_ssl();
    c.ssl_certificate_location = existing_file();
    CHECK(names(kcoro::validate(c), "ssl_key_location"));
    c.ssl_key_location = existing_file();
    CHECK(kcoro::validate(c));
    c.ssl_key_location = "/nonexistent/key.pem";
    CHECK(names(kcoro::validate(c), "ssl_key_location"));
    c = sasl_ssl();
    c.ssl_key_password = "hunter2-secret";
    CHECK(names(kcoro::validate(c), "ssl_key_password"));
    CHECK(kcoro::validate(c).err().detail().find("hunter2") == std::string::npos);
#else
    CHECK(names(kcoro::validate(sasl_ssl()), "security_protocol"));
    c = sasl_ssl();
    c.security_protocol = kcoro::security_protocol::sasl_plaintext;
    CHECK(names(kcoro::validate(c), "sasl_mechanism"));
    c.sasl_mechanism = kcoro::sasl_mechanism::plain;
    CHECK(kcoro::validate(c));
#endif
}

TEST_CASE("bootstrap_servers takes the scheme of the configured security protocol") {
    CHECK(kcoro::parse_bootstrap_servers("SASL_SSL://h:9093, ssl://g:9094"));
    CHECK(kcoro::parse_bootstrap_servers("sasl_ssl://h:9093", kcoro::security_protocol::sasl_ssl));
    auto wrong = kcoro::parse_bootstrap_servers("SASL_SSL://h:9093", kcoro::security_protocol::plaintext);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.err().detail().find("names security protocol SASL_SSL, but security_protocol is PLAINTEXT") != std::string::npos);
    kcoro::producer_config c;
    c.bootstrap_servers = "SSL://h:9093";
    CHECK(names(kcoro::validate(c), "bootstrap_servers"));
    auto http = kcoro::parse_bootstrap_servers("http://h:9092");
    REQUIRE_FALSE(http);
    CHECK(http.err().detail().find("not a Kafka security protocol") != std::string::npos);
}

TEST_CASE("security properties in librdkafka's names, Java's and the fields' own set the config; secrets never show") {
    kcoro::producer_properties p;
    REQUIRE(p.add_text("bootstrap.servers=SASL_SSL://127.0.0.1:9093\n"
                       "security.protocol=sasl_ssl\n"
                       "sasl.mechanisms=SCRAM-SHA-256\n"
                       "sasl.username=alice\n"
                       "sasl.password=hunter2-secret\n"
                       "ssl.endpoint.identification.algorithm=none\n",
                       "rdkafka.properties"));
    auto c = p.to_config();
#if KCORO_HAS_OPENSSL
    REQUIRE(c);
    CHECK(c->security_protocol == kcoro::security_protocol::sasl_ssl);
    CHECK(c->sasl_mechanism == kcoro::sasl_mechanism::scram_sha_256);
    CHECK(c->sasl_username == "alice");
    CHECK(c->sasl_password == "hunter2-secret");
    CHECK(c->ssl_endpoint_identification == kcoro::ssl_endpoint_identification::none_insecure);
    const std::string shown = kcoro::producer_properties::to_properties(*c);
    CHECK(shown.find("security.protocol=SASL_SSL\n") != std::string::npos);
    CHECK(shown.find("sasl.mechanism=SCRAM-SHA-256\n") != std::string::npos);
    CHECK(shown.find("ssl.endpoint.identification.algorithm=none\n") != std::string::npos);
    CHECK(shown.find("hunter2") == std::string::npos);
#endif

    // Java's client properties, as scripts/kafka writes them for its tools.
    kcoro::producer_properties j;
    REQUIRE(j.add_text("security.protocol=SASL_SSL\n"
                       "sasl.mechanism=SCRAM-SHA-512\n"
                       "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bob\" "
                       "password=\"p@ss word\";\n"
                       "ssl.truststore.type=PEM\n"
                       "ssl.truststore.location=" +
                           existing_file() + "\n"
                                             "bootstrap.servers=h:9093\n",
                       "client.properties"));
    auto jc = j.to_config();
#if KCORO_HAS_OPENSSL
    REQUIRE(jc);
    CHECK(jc->sasl_mechanism == kcoro::sasl_mechanism::scram_sha_512);
    CHECK(jc->sasl_username == "bob");
    CHECK(jc->sasl_password == "p@ss word");
    CHECK(jc->ssl_ca_location == existing_file());
#endif

    // JAAS quoting: a backslash escapes the next character.
    kcoro::producer_properties q;
    q.set("sasl.jaas.config", R"(org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="a\"b\\c";)");
    q.set("security.protocol", "SASL_PLAINTEXT");
    q.set("bootstrap.servers", "h:9092");
    auto qc = q.to_config();
    REQUIRE(qc);
    CHECK(qc->sasl_username == "u");
    CHECK(qc->sasl_password == R"(a"b\c)");

    // The producer_config fields' own names.
    kcoro::producer_properties f;
    f.set("bootstrap_servers", "h:9092");
    f.set("security_protocol", "SASL_PLAINTEXT");
    f.set("sasl_username", "carol");
    f.set("sasl_password", "hunter2-secret");
    auto fc = f.to_config();
    REQUIRE(fc);
    CHECK(fc->security_protocol == kcoro::security_protocol::sasl_plaintext);
    CHECK(fc->sasl_username == "carol");
    CHECK(fc->sasl_password == "hunter2-secret");

    // PEM text spans lines: written as escapes, it reads back the same.
    kcoro::producer_config pem;
    pem.bootstrap_servers = "h:9093";
    pem.ssl_ca_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    kcoro::producer_properties reread;
    REQUIRE(reread.add_text(kcoro::producer_properties::to_properties(pem), "shown"));
    reread.set("security.protocol", "SSL");
    auto rp = reread.to_config();
#if KCORO_HAS_OPENSSL
    INFO(all_text(reread));
    REQUIRE(rp);
    CHECK(rp->ssl_ca_pem == pem.ssl_ca_pem);
#else
    CHECK_FALSE(rp);
#endif

    // Refused values name the key, never a secret's value.
    kcoro::producer_properties bad;
    REQUIRE(bad.add_text("bootstrap.servers=h:9092\n"
                         "security.protocol=TLS\n"
                         "sasl.mechanism=GSSAPI\n"
                         "sasl.jaas.config=com.example.Login required password=\"hunter2-secret\";\n"
                         "ssl.truststore.location=/tmp/store.jks\n"
                         "ssl.key.password=hunter2-secret\n"
                         "sasl.password=hunter2-secret\n",
                         "bad.properties"));
    auto bc = bad.to_config();
    REQUIRE_FALSE(bc);
    const std::string text = all_text(bad);
    INFO(text);
    CHECK(text.find("bad.properties:2: security.protocol=TLS: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL") != std::string::npos);
    CHECK(text.find("bad.properties:3: sasl.mechanism=GSSAPI: GSSAPI is not supported yet") != std::string::npos);
    CHECK(text.find("bad.properties:4: sasl.jaas.config: kcoro reads PlainLoginModule's and ScramLoginModule's user name and password") != std::string::npos);
    CHECK(text.find("ssl.truststore.location: kcoro reads PEM trust stores only") != std::string::npos);
    CHECK(text.find("hunter2") == std::string::npos);
    CHECK(bc.err().detail().find("hunter2") == std::string::npos);
}

TEST_CASE("Java's PEM key store sets the client certificate and key from one file; another key store type is refused") {
    kcoro::producer_properties j;
    REQUIRE(j.add_text("bootstrap.servers=h:9093\n"
                       "security.protocol=SSL\n"
                       "ssl.keystore.type=PEM\n"
                       "ssl.keystore.location=" +
                           existing_file() +
                           "\n"
                           "ssl.key.password=hunter2-secret\n",
                       "client-mtls.properties"));
    auto jc = j.to_config();
#if KCORO_HAS_OPENSSL
    INFO(all_text(j));
    REQUIRE(jc);
    CHECK(jc->ssl_certificate_location == existing_file());
    CHECK(jc->ssl_key_location == existing_file());
    CHECK(jc->ssl_key_password == "hunter2-secret");
    CHECK(kcoro::producer_properties::to_properties(*jc).find("hunter2") == std::string::npos);
#endif

    // Java's default type is JKS and librdkafka's key store is PKCS#12: neither is read as PEM.
    for (const std::string type : {"", "ssl.keystore.type=PKCS12\n"}) {
        kcoro::producer_properties other;
        REQUIRE(other.add_text("bootstrap.servers=h:9093\nsecurity.protocol=SSL\n" + type + "ssl.keystore.location=/tmp/client.p12\n",
                               "other.properties"));
        auto oc = other.to_config();
        REQUIRE_FALSE(oc);
        const std::string text = all_text(other);
        INFO(text);
        CHECK(text.find("kcoro reads PEM key stores only") != std::string::npos);
    }
}

TEST_CASE("a PLAIN login: handshake, one message, done; a refusal names mechanism, user and broker, not the password") {
    kcoro::sasl_authenticator a(kcoro::sasl_mechanism::plain, "alice", "hunter2-secret", "b1:9093");
    CHECK(a.mechanism_name() == "PLAIN");
    CHECK(a.first_message().err() == kcoro::errc::illegal_sasl_state);  // before the handshake

    kcoro::sasl_authenticator ok(kcoro::sasl_mechanism::plain, "alice", "hunter2-secret", "b1:9093");
    REQUIRE(ok.on_handshake(handshake_ok()));
    auto m = ok.first_message();
    REQUIRE(m);
    CHECK(*m == "\0alice\0hunter2-secret"sv);
    auto done = ok.on_authenticate(authenticated(""));
    REQUIRE(done);
    CHECK_FALSE(done->has_value());
    CHECK(ok.done());
    CHECK(ok.session_lifetime_ms() == 3600000);

    kcoro::sasl_authenticator refused(kcoro::sasl_mechanism::plain, "alice", "hunter2-secret", "b1:9093");
    REQUIRE(refused.on_handshake(handshake_ok()));
    REQUIRE(refused.first_message());
    kcoro::sasl_authenticate_response no;
    no.error_code = kcoro::errc::sasl_authentication_failed;
    no.error_message = "Authentication failed: Invalid username or password";
    auto e = refused.on_authenticate(no);
    REQUIRE_FALSE(e);
    CHECK(e.err() == kcoro::errc::sasl_authentication_failed);
    CHECK(e.err().detail() == "SASL PLAIN login as 'alice' at broker b1:9093 failed: Authentication failed: Invalid username or password");
    CHECK(e.err().message().find("hunter2") == std::string::npos);
    CHECK_FALSE(refused.done());
}

TEST_CASE("a mechanism the broker does not enable is refused with the ones it does") {
    kcoro::sasl_authenticator a(kcoro::sasl_mechanism::scram_sha_256, "alice", "pw", "b1:9093");
    kcoro::sasl_handshake_response r;
    r.error_code = kcoro::errc::unsupported_sasl_mechanism;
    r.mechanisms = {"PLAIN", "SCRAM-SHA-512"};
    auto e = a.on_handshake(r);
    REQUIRE_FALSE(e);
    CHECK(e.err() == kcoro::errc::unsupported_sasl_mechanism);
    CHECK(e.err().detail() == "broker b1:9093 does not enable SASL SCRAM-SHA-256; it enables PLAIN, SCRAM-SHA-512");
}

#if KCORO_HAS_OPENSSL
TEST_CASE("a SCRAM login sends client-first, answers server-first and checks the broker's signature") {
    kcoro::sasl_authenticator a(kcoro::sasl_mechanism::scram_sha_512, "alice", "hunter2-secret", "b1:9093");
    REQUIRE(a.on_handshake(handshake_ok()));
    auto first = a.first_message();
    REQUIRE(first);
    REQUIRE(first->rfind("n,,n=alice,r=", 0) == 0);
    const std::string nonce = first->substr(std::string_view("n,,n=alice,r=").size());
    auto final_message = a.on_authenticate(authenticated("r=" + nonce + "server,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
    REQUIRE(final_message);
    REQUIRE(final_message->has_value());
    CHECK((*final_message)->rfind("c=biws,r=" + nonce + "server,p=", 0) == 0);
    CHECK((*final_message)->find("hunter2") == std::string::npos);
    // A broker that does not know the password cannot sign the exchange.
    auto forged = a.on_authenticate(authenticated("v=" + std::string(88, 'A')));
    REQUIRE_FALSE(forged);
    CHECK(forged.err() == kcoro::errc::auth_failed);
    CHECK(forged.err().detail().rfind("SASL SCRAM-SHA-512 login as 'alice' at broker b1:9093 failed: SCRAM: the server's signature is wrong", 0) ==
          0);
    CHECK_FALSE(a.done());
}

TEST_CASE("a TLS context refuses CA and key files it cannot use, naming the setting") {
    kcoro::tls_context::options o;
    o.ca_location = "/nonexistent/ca.pem";
    auto missing = kcoro::tls_context::create(o);
    REQUIRE_FALSE(missing);
    CHECK(missing.err() == kcoro::errc::tls_failed);
    CHECK(missing.err().detail().rfind("ssl_ca_location: reading '/nonexistent/ca.pem'", 0) == 0);
    o.ca_location.clear();
    o.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    auto garbage = kcoro::tls_context::create(o);
    REQUIRE_FALSE(garbage);
    CHECK(garbage.err().detail().rfind("ssl_ca_pem", 0) == 0);
    o.ca_pem.clear();
    CHECK(kcoro::tls_context::create(o));  // the system's store
    o.certificate_location = existing_file();
    o.key_location = existing_file();
    auto cert = kcoro::tls_context::create(o);
    REQUIRE_FALSE(cert);
    CHECK(cert.err().detail().rfind("ssl_certificate_location: reading", 0) == 0);
}
#endif

}  // namespace producer_security_test
