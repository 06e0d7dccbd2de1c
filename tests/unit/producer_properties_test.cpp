#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace producer_properties_test {

std::string all_text(const kcoro::producer_properties& p) {
    std::string s;
    for (const auto& d : p.diagnostics()) s += (d.error ? "E " : "W ") + d.text + "\n";
    return s;
}
bool has(const kcoro::producer_properties& p, bool error, const std::string& part) {
    for (const auto& d : p.diagnostics())
        if (d.error == error && d.text.find(part) != std::string::npos) return true;
    return false;
}

TEST_CASE("properties text is read as java.util.Properties reads it") {
    const auto r = kcoro::parse_properties(
        "# comment\n"
        "  ! another comment\n"
        "\n"
        "a=1\n"
        "b : 2\r\n"
        "c 3\r"
        "d=\n"
        "e=long \\\n"
        "     value\n"
        "f\\=g=h\\:i\n"
        "j=tab\\there\\u00e9\\uD83D\\uDE00\n"
        "k  =  spaced value  \n"
        "l=ends with backslash \\\\\n"
        "# a comment line ending in \\\n"
        "m=after");
    REQUIRE(r);
    const auto& e = *r;
    REQUIRE(e.size() == 10);
    CHECK(e[0].key == "a");
    CHECK(e[0].value == "1");
    CHECK(e[0].line == 4);
    CHECK(e[1].key == "b");
    CHECK(e[1].value == "2");
    CHECK(e[2].key == "c");
    CHECK(e[2].value == "3");
    CHECK(e[3].key == "d");
    CHECK(e[3].value.empty());
    CHECK(e[4].value == "long value");
    CHECK(e[4].line == 8);
    CHECK(e[5].key == "f=g");
    CHECK(e[5].value == "h:i");
    CHECK(e[5].line == 10);
    CHECK(e[6].value == "tab\there\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(e[7].key == "k");
    CHECK(e[7].value == "spaced value  ");
    CHECK(e[8].value == "ends with backslash \\");
    CHECK(e[9].key == "m");
    CHECK(e[9].line == 15);
    CHECK(e.back().key == "m");

    auto bad = kcoro::parse_properties("ok=1\nx=\\u12g4\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.err().detail().find("line 2") != std::string::npos);
    CHECK_FALSE(kcoro::parse_properties("x=\\u12"));
}

TEST_CASE("properties in Kafka's and librdkafka's names set the producer configuration") {
    kcoro::producer_properties p;
    REQUIRE(p.add_text("bootstrap.servers = b1:9092, b2:9093\n"
                       "linger.ms=20\n"
                       "batch.size=65536\n"
                       "queue.buffering.max.kbytes=1024\n"
                       "delivery.timeout.ms=90000\n"
                       "max.in.flight.requests.per.connection=3\n"
                       "compression.type=none\n"
                       "client.id=tool\n"
                       "enable.idempotence=TRUE\n"
                       "request.required.acks=-1\n"
                       "retries=2147483647\n"
                       "security.protocol=PLAINTEXT\n",
                       "p.properties"));
    auto c = p.to_config();
    REQUIRE_MESSAGE(c, all_text(p));
    CHECK(p.diagnostics().empty());
    CHECK(c->bootstrap_servers == "b1:9092, b2:9093");
    CHECK(c->linger == kcoro::milliseconds(20));
    CHECK(c->batch_size == 65536);
    CHECK(c->buffer_memory == 1024u * 1024);
    CHECK(c->delivery_timeout == kcoro::milliseconds(90000));
    CHECK(c->max_in_flight == 3);
    CHECK(c->client_id == "tool");
    CHECK(c->enable_idempotence);
    CHECK(c->acks == kcoro::acks::all);

    // A later property wins, whichever name it uses.
    p.set("queue.buffering.max.ms", "7", "-X");
    c = p.to_config();
    REQUIRE(c);
    CHECK(c->linger == kcoro::milliseconds(7));
}

TEST_CASE("unknown keys, bad values and refused keys are errors that name them; no-op keys warn") {
    kcoro::producer_properties p;
    REQUIRE(p.add_text("bootstrap.servers=localhost:9092\n"
                       "lingr.ms=5\n"
                       "batch.size=-1\n"
                       "acks=2\n"
                       "key.serializer=org.apache.kafka.common.serialization.StringSerializer\n"
                       "client.dns.lookup=use_all_dns_ips\n"
                       "sasl.jaas.config=ScramLoginModule required password=\"hunter2\";\n"
                       "security.protocol=SASL_SSL\n"
                       "ssl.truststore.location=/tmp/ca.pem\n"
                       "interceptor.classes=com.example.Spy\n"
                       "retries=0\n",
                       "client.properties"));
    auto c = p.to_config();
    REQUIRE_FALSE(c);
    CHECK(c.err() == kcoro::errc::bad_config);
    CHECK(c.err().detail().rfind("client.properties:2: unknown property 'lingr.ms'; the closest known one is 'linger.ms'", 0) == 0);
    CHECK(has(p, true, "client.properties:3: batch.size=-1: must not be negative"));
    CHECK(has(p, true, "client.properties:4: acks=2: expected all, -1, 1 or 0"));
    CHECK(has(p, false, "client.properties:5: key.serializer: has no effect in kcoro"));
    CHECK(has(p, false, "client.properties:6: client.dns.lookup: has no effect"));
    CHECK(has(p, true, "client.properties:7: sasl.jaas.config: kcoro reads PlainLoginModule's and ScramLoginModule's user name and password, and OAuthBearerLoginModule's unsecured tokens"));
    CHECK_FALSE(has(p, true, "client.properties:8:"));  // security.protocol=SASL_SSL is spoken
    CHECK(has(p, true, "ssl.truststore.location: kcoro reads PEM trust stores only; set ssl.truststore.type=PEM"));
    CHECK(has(p, true, "client.properties:10: interceptor.classes=com.example.Spy: Java interceptors cannot run"));
    CHECK(has(p, true, "client.properties:11: retries=0: kcoro always retries"));
    // A password is never repeated.
    CHECK(all_text(p).find("hunter2") == std::string::npos);
    CHECK(c.err().detail().find("(and 7 more)") != std::string::npos);
}

TEST_CASE("settings that rule out idempotence turn it off when it was not asked for, as in the Java client") {
    kcoro::producer_properties p;
    p.set("bootstrap.servers", "h:1");
    p.set("acks", "1");
    auto c = p.to_config();
    REQUIRE(c);
    CHECK_FALSE(c->enable_idempotence);
    CHECK(has(p, false, "idempotence is off"));

    p.set("enable.idempotence", "true");
    c = p.to_config();
    REQUIRE_FALSE(c);
    CHECK(c.err().detail().find("acks") != std::string::npos);
    CHECK(c.err().detail().find("(set by acks)") != std::string::npos);
}

TEST_CASE("the codec's level comes from its own property or librdkafka's compression.level") {
    kcoro::producer_properties p;
    p.set("bootstrap.servers", "h:1");
    p.set("compression.gzip.level", "4");
    p.set("compression.zstd.level", "7");
    auto c = p.to_config();
    REQUIRE(c);
    CHECK_FALSE(c->compression_level);  // compression.type is none
    if (kcoro::codec_available(kcoro::compression_codec::zstd)) {
        p.set("compression.type", "zstd");
        c = p.to_config();
        REQUIRE(c);
        CHECK(c->compression == kcoro::compression_codec::zstd);
        CHECK(c->compression_level == 7);
    } else {
        p.set("compression.type", "zstd");
        c = p.to_config();
        REQUIRE_FALSE(c);
        CHECK(c.err().detail().find("compression.type=zstd: this build of kcoro has no zstd") != std::string::npos);
    }
    CHECK_FALSE(kcoro::producer_properties().set_pair("novalue"));
}

TEST_CASE("transactional.id and transaction.timeout.ms make a transactional producer") {
    kcoro::producer_properties p;
    REQUIRE(p.add_text("bootstrap.servers=a:1\ntransactional.id=orders-tx\ntransaction.timeout.ms=30000\n", "txn"));
    auto c = p.to_config();
    REQUIRE_MESSAGE(c, all_text(p));
    CHECK(c->transactional_id == "orders-tx");
    CHECK(c->transaction_timeout == kcoro::milliseconds(30000));
    CHECK(c->enable_idempotence);
    CHECK(c->acks == kcoro::acks::all);
    CHECK(kcoro::producer_properties::to_properties(*c).find("transactional.id=orders-tx") != std::string::npos);

    kcoro::producer_properties too_long;
    REQUIRE(too_long.add_text("bootstrap.servers=a:1\ntransactional.id=" + std::string(32768, 't') + "\n", "txn"));
    CHECK_FALSE(too_long.to_config());
}

TEST_CASE("the property table: every name once, every applied row settable and printable back") {
    std::set<std::string> names;
    for (const auto& row : kcoro::producer_properties_table()) {
        std::set<std::string> own;  // Java and librdkafka often share a name
        for (auto n : {row.java, row.librdkafka, row.librdkafka_alias})
            if (!n.empty()) own.insert(std::string(n));
        for (const auto& n : own) CHECK_MESSAGE(names.insert(n).second, "name in two rows: " << n);
        CHECK_FALSE(row.name().empty());
        CHECK_FALSE(row.note.empty());
        if (row.effect == kcoro::property_effect::applied) {
            CHECK(static_cast<bool>(row.set));
            CHECK_FALSE(row.field.empty());
        }
        if (row.effect == kcoro::property_effect::checked) CHECK(static_cast<bool>(row.set));
    }
    // Each name resolves to exactly one row.
    for (const auto& row : kcoro::producer_properties_table())
        for (auto n : {row.java, row.librdkafka, row.librdkafka_alias})
            if (!n.empty()) CHECK_MESSAGE(kcoro::find_producer_property(n) == &row, n);

    // What to_properties prints reads back into the same configuration.
    kcoro::producer_config original;
    original.bootstrap_servers = "a:1,b:2";
    original.linger = kcoro::milliseconds(12);
    original.acks = kcoro::acks::leader;
    original.enable_idempotence = false;
    original.batch_size = 1000;
    original.client_id = "round trip";
    kcoro::producer_properties p;
    REQUIRE(p.add_text(kcoro::producer_properties::to_properties(original), "printed"));
    auto back = p.to_config();
    REQUIRE_MESSAGE(back, all_text(p));
    CHECK(kcoro::producer_properties::to_properties(*back) == kcoro::producer_properties::to_properties(original));
}

}  // namespace producer_properties_test
