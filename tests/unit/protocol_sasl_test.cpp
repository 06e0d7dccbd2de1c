#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace protocol_sasl_test {

using namespace std::string_view_literals;

TEST_CASE("sasl plain message is authzid NUL user NUL password") {
    auto m = kcoro::sasl_plain_message("alice", "s3cret");
    REQUIRE(m);
    CHECK(*m == "\0alice\0s3cret"sv);
    auto z = kcoro::sasl_plain_message("alice", "pw", "admin");
    REQUIRE(z);
    CHECK(*z == "admin\0alice\0pw"sv);
    auto empty_pw = kcoro::sasl_plain_message("u", "");
    REQUIRE(empty_pw);
    CHECK(*empty_pw == "\0u\0"sv);
    CHECK(kcoro::sasl_plain_message("", "pw").err() == kcoro::errc::bad_config);
    CHECK(kcoro::sasl_plain_message("a\0b"sv, "pw").err() == kcoro::errc::bad_config);
    CHECK(kcoro::sasl_plain_message("a", "p\0w"sv).err() == kcoro::errc::bad_config);
    CHECK(kcoro::sasl_plain_message("a", "pw", "x\0"sv).err() == kcoro::errc::bad_config);
}

TEST_CASE("scram mechanism names are what brokers announce") {
    CHECK(kcoro::scram_mechanism_name(kcoro::scram_algorithm::sha256) == "SCRAM-SHA-256");
    CHECK(kcoro::scram_mechanism_name(kcoro::scram_algorithm::sha512) == "SCRAM-SHA-512");
}

TEST_CASE("scram server-first parsing checks nonce, salt and iteration count") {
    constexpr auto cn = "rOprNGfwEbeRWgbNEkqO"sv;
    auto ok = kcoro::parse_scram_server_first(
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", cn);
    REQUIRE(ok);
    CHECK(ok->nonce == "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    CHECK(ok->salt == "\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81"sv);
    CHECK(ok->iterations == 4096);
    // Extensions after the iteration count are ignored.
    CHECK(kcoro::parse_scram_server_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=8192,x=ext", cn));

    auto fails = [&](std::string_view m, kcoro::errc want) {
        auto r = kcoro::parse_scram_server_first(m, cn);
        REQUIRE_FALSE(r);
        CHECK(r.err() == want);
    };
    fails("m=mandatory,r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=4096", kcoro::errc::auth_failed);
    fails("r=rOprNGfwEbeRWgbNEkqO,s=QUJD,i=4096", kcoro::errc::auth_failed);     // nonce not extended
    fails("r=XOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=4096", kcoro::errc::auth_failed);  // different prefix
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=4095", kcoro::errc::auth_failed);  // too few iterations
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=1048577", kcoro::errc::auth_failed);
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=99999999999", kcoro::errc::malformed_response);
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=40a6", kcoro::errc::malformed_response);
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD,i=", kcoro::errc::malformed_response);
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJD", kcoro::errc::malformed_response);
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096", kcoro::errc::malformed_response);
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QUJ,i=4096", kcoro::errc::malformed_response);    // not a multiple of 4
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QU=D,i=4096", kcoro::errc::malformed_response);   // data after padding
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=QR==,i=4096", kcoro::errc::malformed_response);   // non-canonical bits
    fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=Q!JD,i=4096", kcoro::errc::malformed_response);
    fails("r=rOprNGfwEbeRWgbNEkqOx y,s=QUJD,i=4096", kcoro::errc::malformed_response);  // unprintable nonce
    fails("s=QUJD,r=rOprNGfwEbeRWgbNEkqOxyz,i=4096", kcoro::errc::malformed_response);
    fails("", kcoro::errc::malformed_response);
    fails("r", kcoro::errc::malformed_response);
    fails("rr=x", kcoro::errc::malformed_response);
}

TEST_CASE("scram server-final parsing") {
    auto v = kcoro::parse_scram_server_final("v=QUJD");
    REQUIRE(v);
    CHECK(v->verifier == "ABC");
    CHECK(v->server_error.empty());
    auto e = kcoro::parse_scram_server_final("e=invalid-proof");
    REQUIRE(e);
    CHECK(e->server_error == "invalid-proof");
    CHECK(e->verifier.empty());
    CHECK_FALSE(kcoro::parse_scram_server_final(""));
    CHECK_FALSE(kcoro::parse_scram_server_final("e="));
    CHECK_FALSE(kcoro::parse_scram_server_final("v="));
    CHECK_FALSE(kcoro::parse_scram_server_final("v=QUJ"));
    CHECK_FALSE(kcoro::parse_scram_server_final("x=QUJD"));
}

#if KCORO_HAS_OPENSSL
TEST_CASE("scram-sha-256 client reproduces the RFC 7677 exchange") {
    kcoro::scram_client c(kcoro::scram_algorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    CHECK(c.mechanism() == "SCRAM-SHA-256");
    auto first = c.client_first();
    REQUIRE(first);
    CHECK(*first == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    auto final_message =
        c.client_final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    REQUIRE(final_message);
    CHECK(*final_message ==
          "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    CHECK_FALSE(c.authenticated());
    CHECK(c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    CHECK(c.authenticated());
    // The exchange is over: no step may run again.
    CHECK(c.client_first().err() == kcoro::errc::illegal_sasl_state);
}

TEST_CASE("scram-sha-512 client escapes the user name and matches an independent computation") {
    // Expected values computed with Python's hashlib/hmac (pbkdf2_hmac sha512), independently of OpenSSL's API use here.
    kcoro::scram_client c(kcoro::scram_algorithm::sha512, "al,i=ce", "s3cr=t,", "fyko+d2lbbFgONRv9qkxdawL");
    auto first = c.client_first();
    REQUIRE(first);
    CHECK(*first == "n,,n=al=2Ci=3Dce,r=fyko+d2lbbFgONRv9qkxdawL");
    auto final_message = c.client_final("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
    REQUIRE(final_message);
    CHECK(*final_message ==
          "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
          "p=a1uXMxuIdg3ZIFl1puYbKtVGo4NnM6XqTqJahizYEWHmM7fNS1L6amRwNZaU2SoyMc91ZHrAmRmcIONgH0q+jQ==");
    CHECK(c.verify_server_final(
        "v=Jq6MVVrn7/ZkwYMvtkDzlr4cY8lAfC4/+DWHV1QCXyEAJ/VkbGseek+E9CoxyaDaIBK2NrV5wwtZVF6hmK8j+A=="));
    CHECK(c.authenticated());
}

TEST_CASE("scram client rejects a wrong server signature, a server error and steps out of order") {
    constexpr auto server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    {
        kcoro::scram_client c(kcoro::scram_algorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        REQUIRE(c.client_first());
        REQUIRE(c.client_final(server_first));
        // Last character changed: a server that does not know the password.
        auto r = c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G0=");
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::auth_failed);
        CHECK_FALSE(c.authenticated());
    }
    {
        kcoro::scram_client c(kcoro::scram_algorithm::sha256, "user", "wrong", "rOprNGfwEbeRWgbNEkqO");
        REQUIRE(c.client_first());
        auto f = c.client_final(server_first);
        REQUIRE(f);
        CHECK(f->find("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") == std::string::npos);
        auto r = c.verify_server_final("e=invalid-proof");
        REQUIRE_FALSE(r);
        CHECK(r.err() == kcoro::errc::sasl_authentication_failed);
        CHECK(r.err().detail().find("invalid-proof") != std::string::npos);
    }
    {
        kcoro::scram_client c(kcoro::scram_algorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        CHECK(c.client_final(server_first).err() == kcoro::errc::illegal_sasl_state);
    }
    {
        kcoro::scram_client c(kcoro::scram_algorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        REQUIRE(c.client_first());
        CHECK(c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").err() ==
              kcoro::errc::illegal_sasl_state);
    }
    {
        // A malformed server-first fails the exchange for good.
        kcoro::scram_client c(kcoro::scram_algorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        REQUIRE(c.client_first());
        CHECK_FALSE(c.client_final("r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
        CHECK(c.client_final(server_first).err() == kcoro::errc::illegal_sasl_state);
    }
}

TEST_CASE("scram client created with a random nonce sends a fresh printable nonce") {
    auto a = kcoro::scram_client::create(kcoro::scram_algorithm::sha512, "u", "p");
    auto b = kcoro::scram_client::create(kcoro::scram_algorithm::sha512, "u", "p");
    REQUIRE(a);
    REQUIRE(b);
    auto fa = a->client_first();
    auto fb = b->client_first();
    REQUIRE(fa);
    REQUIRE(fb);
    CHECK(fa->rfind("n,,n=u,r=", 0) == 0);
    CHECK(fa->size() == std::string_view("n,,n=u,r=").size() + 32);
    CHECK(*fa != *fb);
    CHECK(fa->find(',', 9) == std::string::npos);
}
#endif

}  // namespace protocol_sasl_test
