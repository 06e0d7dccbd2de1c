// OAUTHBEARER: the client's message (RFC 7628) byte for byte, the checks on token and extensions,
// unsecured tokens as the broker's default validator reads them, the login's steps when the
// broker refuses a token, and the settings in code and in both clients' property names.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>

namespace sasl_oauthbearer_test {

using namespace std::string_view_literals;
using namespace std::chrono_literals;

// A JWT segment back to its JSON: base64url to standard base64, padded.
std::string segment_json(std::string_view segment) {
    std::string b64(segment);
    for (auto& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (b64.size() % 4 != 0) b64 += '=';
    auto d = kcoro::detail::base64_decode(b64);
    REQUIRE(d);
    return *d;
}

kcoro::sasl_authenticate_response answer(std::string_view bytes) {
    kcoro::sasl_authenticate_response r;
    r.auth_bytes = kcoro::byte_buffer(kcoro::bytes_view(reinterpret_cast<const kcoro::byte*>(bytes.data()), bytes.size()));
    return r;
}

TEST_CASE("the OAUTHBEARER message is the gs2 header, auth=Bearer and the extensions, each ended by 0x01") {
    auto m = kcoro::sasl_oauthbearer_message("abc.def.");
    REQUIRE(m);
    CHECK(*m == "n,,\x01" "auth=Bearer abc.def.\x01\x01"sv);
    auto e = kcoro::sasl_oauthbearer_message("t0k3n==", {{"traceId", "7"}, {"logicalCluster", "lkc-1 x"}});
    REQUIRE(e);
    CHECK(*e == "n,,\x01" "auth=Bearer t0k3n==\x01traceId=7\x01logicalCluster=lkc-1 x\x01\x01"sv);

    // What would split the message, or that the broker's parser refuses, is refused here.
    for (std::string_view bad : {""sv, "a b"sv, "a\x01" "b"sv, "=abc"sv, "ab=c"sv, "tok\xc3\xa9"sv}) {
        auto r = kcoro::sasl_oauthbearer_message(bad);
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::bad_config);
        CHECK(r.err().detail().find("b64token") != std::string::npos);
    }
    auto key = kcoro::sasl_oauthbearer_message("t", {{"auth", "x"}});
    REQUIRE_FALSE(key);
    CHECK(key.err().detail() == "SASL extension 'auth': a key is letters only (A-Z, a-z), and not 'auth'");
    CHECK_FALSE(kcoro::sasl_oauthbearer_message("t", {{"trace_id", "x"}}));
    auto value = kcoro::sasl_oauthbearer_message("t", {{"trace", "a\x01" "b"}});
    REQUIRE_FALSE(value);
    CHECK(value.err().detail().rfind("SASL extension 'trace': a value is", 0) == 0);
    CHECK_FALSE(kcoro::sasl_oauthbearer_message("t", {{"trace", ""}}));
}

TEST_CASE("an unsecured token: alg none, the principal, iat and exp, the scope list, an empty signature") {
    auto j = kcoro::unsecured_jwt::parse("principal=alice scope=read,write lifeSeconds=600 extension_traceId=7");
    REQUIRE(j);
    CHECK(j->principal == "alice");
    CHECK(j->life == 600s);
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) + 250ms;
    const kcoro::oauthbearer_token t = j->make(now);
    const std::size_t dot1 = t.value.find('.'), dot2 = t.value.find('.', dot1 + 1);
    REQUIRE(dot2 == t.value.size() - 1);  // header.claims. with no signature
    CHECK(segment_json(std::string_view(t.value).substr(0, dot1)) == R"({"alg":"none"})");
    CHECK(segment_json(std::string_view(t.value).substr(dot1 + 1, dot2 - dot1 - 1)) ==
          R"({"sub":"alice","iat":1700000000,"exp":1700000600,"scope":["read","write"]})");
    CHECK(t.value.find('=') == std::string::npos);  // unpadded base64url
    CHECK(t.expiry == std::chrono::system_clock::time_point(std::chrono::seconds(1700000600)));
    CHECK(t.principal == "alice");
    REQUIRE(t.extensions.size() == 1);
    CHECK(t.extensions[0] == std::pair<std::string, std::string>{"traceId", "7"});
    CHECK(kcoro::sasl_oauthbearer_message(t.value, t.extensions));

    auto named = kcoro::unsecured_jwt::parse("principalClaimName=azp principal=svc\"1");
    REQUIRE(named);
    const auto nt = named->make(now);
    CHECK(segment_json(std::string_view(nt.value).substr(nt.value.find('.') + 1, nt.value.rfind('.') - nt.value.find('.') - 1)) ==
          R"({"azp":"svc\"1","iat":1700000000,"exp":1700003600})");

    const auto refused = [](std::string_view options) {
        auto r = kcoro::unsecured_jwt::parse(options);
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::bad_config);
        return std::string(r.err().detail());
    };
    CHECK(refused("scope=a") == "sasl_oauthbearer_config: principal=NAME is required");
    CHECK(refused("principal=a lifeSeconds=0") == "sasl_oauthbearer_config: lifeSeconds must be a whole number of seconds, 1 to 100000000");
    CHECK(refused("principal=a lifeSeconds=1h").find("lifeSeconds") != std::string::npos);
    CHECK(refused("principal=a colour=blue").find("unknown option 'colour'") != std::string::npos);
    CHECK(refused("principal=a extension_auth=x").find("SASL extension 'auth'") != std::string::npos);
    CHECK(refused("principal").find("'principal' is not name=value") != std::string::npos);
    CHECK(refused("principal=a principalClaimName=scope").find("two different names") != std::string::npos);
}

TEST_CASE("an OAUTHBEARER login: one message, done on an empty answer") {
    kcoro::oauthbearer_token t{.value = "eyJhbGciOiJub25lIn0.e30.", .principal = "alice", .extensions = {{"traceId", "7"}}};
    kcoro::sasl_authenticator a(t, "b1:9093");
    CHECK(a.mechanism_name() == "OAUTHBEARER");
    REQUIRE(a.on_handshake({}));
    auto m = a.first_message();
    REQUIRE(m);
    CHECK(*m == "n,,\x01" "auth=Bearer eyJhbGciOiJub25lIn0.e30.\x01traceId=7\x01\x01"sv);
    auto r = answer("");
    r.session_lifetime_ms = 59000;
    auto done = a.on_authenticate(r);
    REQUIRE(done);
    CHECK_FALSE(done->has_value());
    CHECK(a.done());
    CHECK(a.session_lifetime_ms() == 59000);
}

TEST_CASE("a refused token: the broker's JSON is acknowledged with 0x01, and the error carries it, never the token") {
    kcoro::oauthbearer_token t{.value = "secret-token-value", .principal = "alice"};
    kcoro::sasl_authenticator a(t, "b1:9093");
    REQUIRE(a.on_handshake({}));
    REQUIRE(a.first_message());
    auto ack = a.on_authenticate(answer(R"({"status":"invalid_token"})"));
    REQUIRE(ack);
    REQUIRE(ack->has_value());
    CHECK(**ack == "\x01"sv);
    CHECK_FALSE(a.done());
    kcoro::sasl_authenticate_response no;
    no.error_code = kcoro::errc::sasl_authentication_failed;
    no.error_message = "Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER";
    auto e = a.on_authenticate(no);
    REQUIRE_FALSE(e);
    CHECK(e.err() == kcoro::errc::sasl_authentication_failed);
    CHECK(e.err().detail() == "SASL OAUTHBEARER login as 'alice' at broker b1:9093 failed: Authentication failed during authentication due "
                              "to invalid credentials with SASL mechanism OAUTHBEARER ({\"status\":\"invalid_token\"})");
    CHECK(e.err().message().find("secret-token") == std::string::npos);

    // A broker that refuses and then says yes is not believed.
    kcoro::sasl_authenticator b(t, "b1:9093");
    REQUIRE(b.on_handshake({}));
    REQUIRE(b.first_message());
    REQUIRE(b.on_authenticate(answer("{\"status\":\"invalid_token\"}\n")));
    auto odd = b.on_authenticate(answer(""));
    REQUIRE_FALSE(odd);
    CHECK(odd.err().detail() == "SASL OAUTHBEARER login as 'alice' at broker b1:9093 failed: the broker refused the token "
                                "({\"status\":\"invalid_token\"}?) and then reported success; the login is not trusted");
    CHECK_FALSE(b.done());

    // A token with no principal names only the broker; a malformed one is refused before it is sent.
    kcoro::oauthbearer_token anonymous{.value = "bad token"};
    kcoro::sasl_authenticator c(anonymous, "b1:9093");
    REQUIRE(c.on_handshake({}));
    auto bad = c.first_message();
    REQUIRE_FALSE(bad);
    CHECK(bad.err().detail().rfind("SASL OAUTHBEARER login at broker b1:9093 failed: the OAUTHBEARER token is empty or holds", 0) == 0);
    CHECK(bad.err().detail().find("bad token") == std::string::npos);
}

kcoro::producer_config bearer() {
    kcoro::producer_config c;
    c.bootstrap_servers = "127.0.0.1:9093";
    c.security_protocol = kcoro::security_protocol::sasl_plaintext;
    c.sasl_mechanism = kcoro::sasl_mechanism::oauthbearer;
    c.enable_sasl_oauthbearer_unsecure_jwt = true;
    c.sasl_oauthbearer_config = "principal=alice";
    return c;
}
bool names(const kcoro::result<void>& r, std::string_view field) {
    return !r && r.err() == kcoro::errc::bad_config && r.err().detail().rfind(field, 0) == 0;
}

TEST_CASE("OAUTHBEARER settings are validated, each error naming its field") {
    CHECK(kcoro::validate(bearer()));
    auto c = bearer();
    c.enable_sasl_oauthbearer_unsecure_jwt = false;
    c.sasl_oauthbearer_config.clear();
    CHECK(names(kcoro::validate(c), "sasl_oauthbearer_token_provider: OAUTHBEARER needs a token provider"));
    c.sasl_oauthbearer_token_provider = [] { return kcoro::result<kcoro::oauthbearer_token>(kcoro::oauthbearer_token{.value = "t"}); };
    CHECK(kcoro::validate(c));
    c.enable_sasl_oauthbearer_unsecure_jwt = true;
    CHECK(names(kcoro::validate(c), "enable_sasl_oauthbearer_unsecure_jwt: set beside sasl_oauthbearer_token_provider"));
    c.enable_sasl_oauthbearer_unsecure_jwt = false;
    c.sasl_oauthbearer_config = "principal=bob";
    CHECK(names(kcoro::validate(c), "sasl_oauthbearer_config: set, but it takes effect only with enable_sasl_oauthbearer_unsecure_jwt"));

    c = bearer();
    c.sasl_oauthbearer_config.clear();
    CHECK(names(kcoro::validate(c), "sasl_oauthbearer_config: unsecured tokens need at least principal=NAME"));
    c.sasl_oauthbearer_config = "principal=a lifeSeconds=-1";
    CHECK(names(kcoro::validate(c), "sasl_oauthbearer_config: lifeSeconds"));
    c = bearer();
    c.sasl_username = "alice";
    CHECK(names(kcoro::validate(c), "sasl_username: OAUTHBEARER logs in with a token"));
    c = bearer();
    c.sasl_password = "pw";
    CHECK(names(kcoro::validate(c), "sasl_password: OAUTHBEARER logs in with a token"));

    // The token settings beside another mechanism, or without SASL, would be ignored: refused.
    c = bearer();
    c.sasl_mechanism = kcoro::sasl_mechanism::plain;
    c.sasl_username = "alice";
    CHECK(names(kcoro::validate(c), "enable_sasl_oauthbearer_unsecure_jwt: set, but it takes effect only with sasl_mechanism OAUTHBEARER"));
    c = bearer();
    c.security_protocol = kcoro::security_protocol::plaintext;
    CHECK(names(kcoro::validate(c), "enable_sasl_oauthbearer_unsecure_jwt: set, but"));
    c.enable_sasl_oauthbearer_unsecure_jwt = false;
    CHECK(names(kcoro::validate(c), "sasl_oauthbearer_config: set, but it takes effect only with sasl_mechanism OAUTHBEARER"));
}

TEST_CASE("OAUTHBEARER from properties: librdkafka's unsecured-token names, and Java's OAuthBearerLoginModule options") {
    kcoro::producer_properties rd;
    REQUIRE(rd.add_text("bootstrap.servers=h:9092\n"
                        "security.protocol=SASL_SSL\n"
                        "sasl.mechanisms=oauthbearer\n"
                        "enable.sasl.oauthbearer.unsecure.jwt=true\n"
                        "sasl.oauthbearer.config=principal=alice lifeSeconds=60 extension_traceId=7\n",
                        "rd.properties"));
    auto rc = rd.to_config();
    REQUIRE(rc);
    CHECK(rc->sasl_mechanism == kcoro::sasl_mechanism::oauthbearer);
    CHECK(rc->enable_sasl_oauthbearer_unsecure_jwt);
    CHECK(rc->sasl_oauthbearer_config == "principal=alice lifeSeconds=60 extension_traceId=7");
    // A printed configuration reads back as the same one.
    kcoro::producer_properties again;
    REQUIRE(again.add_text(kcoro::producer_properties::to_properties(*rc), "printed"));
    auto ac = again.to_config();
    REQUIRE(ac);
    CHECK(ac->sasl_oauthbearer_config == rc->sasl_oauthbearer_config);
    CHECK(ac->enable_sasl_oauthbearer_unsecure_jwt);

    kcoro::producer_properties java;
    REQUIRE(java.add_text("bootstrap.servers=h:9092\n"
                          "security.protocol=SASL_PLAINTEXT\n"
                          "sasl.mechanism=OAUTHBEARER\n"
                          "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                          "unsecuredLoginStringClaim_sub=\"bob\" unsecuredLoginLifetimeSeconds=\"120\" unsecuredLoginListClaim_scope=\"|a|b\" "
                          "unsecuredLoginExtension_traceId=\"9\";\n",
                          "java.properties"));
    auto jc = java.to_config();
    REQUIRE(jc);
    CHECK(jc->enable_sasl_oauthbearer_unsecure_jwt);
    CHECK(jc->sasl_oauthbearer_config == "principal=bob lifeSeconds=120 scope=a,b extension_traceId=9");

    // Java's identity-provider login, with no unsecured options, is refused with what to do instead.
    kcoro::producer_properties oidc;
    REQUIRE(oidc.add_text("bootstrap.servers=h:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n"
                          "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"x\" "
                          "clientSecret=\"hunter2-secret\";\n",
                          "oidc.properties"));
    REQUIRE_FALSE(oidc.to_config());
    std::string text;
    for (const auto& d : oidc.diagnostics()) text += d.text + "\n";
    INFO(text);
    CHECK(text.find("sasl.jaas.config: kcoro reads OAuthBearerLoginModule's unsecured tokens only") != std::string::npos);
    CHECK(text.find("sasl_oauthbearer_token_provider") != std::string::npos);
    CHECK(text.find("hunter2") == std::string::npos);
}

}  // namespace sasl_oauthbearer_test
