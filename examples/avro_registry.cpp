// Avro records with a Schema Registry: an order struct mapped to its schema, the schema registered
// once under "<topic>-value" (Confluent's TopicNameStrategy), or the subject's latest version used,
// then a stream of records each framed as Confluent's deserializers expect (byte 0, the schema id,
// the Avro body). No record waits on the registry: it is asked when the serializer is made, and
// never again.
//
//   avro_registry <bootstrap servers> <registry url> <topic> <count> [options]
//     --schema 1|2|3          1: id, item, qty, price; 2: adds "note" with a default (a BACKWARD-
//                             compatible change); 3: qty becomes a string (an incompatible one)
//     --compatibility LEVEL   set the subject's compatibility level first (e.g. BACKWARD)
//     --bad-every N           every Nth record has a status that is none of the enum's symbols:
//                             it fails alone, and the others are delivered
//     --lookup-only           do not register: look the schema up (registered beforehand)
//     --use-latest            do not register: write the subject's latest version (the struct of
//                             --schema is checked against it; members it lacks get their defaults)
//
// Prints "schema id N" once made, then "delivered D refused R failed F requests Q", where Q counts
// the HTTP requests the registry client sent. Exit status 0 when every record that fits its schema
// was delivered, 3 when the registry refused the schema (its message is printed), 1 otherwise.
#include <kcoro/avro.hpp>
#include <kcoro/kcoro.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shop {

struct order {
    std::int64_t id;
    std::string item;
    std::int32_t qty;
    double price;
    std::string status;  // the schema's enum: a string that is none of its symbols is refused when sent
};
KCORO_AVRO_RECORD(order, id, item, qty, price, status)

struct order_v2 {
    std::int64_t id;
    std::string item;
    std::int32_t qty;
    double price;
    std::string status;
    std::optional<std::string> note;
};
KCORO_AVRO_RECORD(order_v2, id, item, qty, price, status, note)

struct order_v3 {
    std::int64_t id;
    std::string item;
    std::string qty;
    double price;
    std::string status;
};
KCORO_AVRO_RECORD(order_v3, id, item, qty, price, status)

constexpr std::string_view schema_v1 = R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
  {"name": "id", "type": "long"},
  {"name": "item", "type": "string"},
  {"name": "qty", "type": "int"},
  {"name": "price", "type": "double"},
  {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "shipped"]}}]})";
constexpr std::string_view schema_v2 = R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
  {"name": "id", "type": "long"},
  {"name": "item", "type": "string"},
  {"name": "qty", "type": "int"},
  {"name": "price", "type": "double"},
  {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "shipped"]}},
  {"name": "note", "type": ["null", "string"], "default": null}]})";
constexpr std::string_view schema_v3 = R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
  {"name": "id", "type": "long"},
  {"name": "item", "type": "string"},
  {"name": "qty", "type": "string"},
  {"name": "price", "type": "double"},
  {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "shipped"]}}]})";

// Record i of the stream, the same values the test's independent reader expects.
inline order make_order(std::int64_t i) {
    return {i, "item-" + std::to_string(i), static_cast<std::int32_t>(i % 1000), static_cast<double>(i) / 4, i % 3 == 0 ? "shipped" : "open"};
}
inline order_v2 make_order_v2(std::int64_t i) {
    const order o = make_order(i);
    return {o.id, o.item, o.qty, o.price, o.status, i % 2 == 0 ? std::optional<std::string>("note-" + std::to_string(i)) : std::nullopt};
}
inline order_v3 make_order_v3(std::int64_t i) {
    const order o = make_order(i);
    return {o.id, o.item, std::to_string(o.qty), o.price, o.status};
}

}  // namespace shop

namespace {

struct options {
    std::string bootstrap;
    std::string registry_url;
    std::string topic;
    long count = 0;
    int schema = 1;
    std::string compatibility;
    long bad_every = 0;
    bool lookup_only = false;
    bool use_latest = false;
};

using registry_client = kcoro::schema_registry_client<kcoro::event_loop_runtime>;

struct tally {
    long delivered = 0, refused = 0, failed = 0;
};

template <class Order>
kcoro::task<kcoro::result<kcoro::confluent_avro_serializer<Order>>> make_serializer(registry_client& registry, const options& opt,
                                                                                   const std::string& subject,
                                                                                   const kcoro::avro::schema& schema) {
    if (opt.use_latest) co_return co_await kcoro::confluent_avro_serializer<Order>::make(registry, subject, {.use_latest_version = true});
    co_return co_await kcoro::confluent_avro_serializer<Order>::make(registry, subject, schema, {.auto_register_schemas = !opt.lookup_only});
}

template <class Order, class MakeOrder>
kcoro::task<int> produce(kcoro::event_loop& loop, registry_client& registry, const options& opt, std::string_view schema_text,
                         MakeOrder make) {
    auto schema = kcoro::avro::schema::parse(schema_text);
    if (!schema) {
        std::fprintf(stderr, "schema: %s\n", schema.err().message().c_str());
        co_return 1;
    }
    const std::string subject = kcoro::topic_name_subject(opt.topic, false);
    if (!opt.compatibility.empty()) {
        if (auto c = co_await registry.set_compatibility(subject, opt.compatibility); !c) {
            std::fprintf(stderr, "compatibility: %s\n", c.err().message().c_str());
            co_return 1;
        }
    }
    // The one time the registry is asked: registration (or look-up, or the latest version), and the
    // id cached from then on.
    auto serializer = co_await make_serializer<Order>(registry, opt, subject, *schema);
    if (!serializer) {
        std::printf("refused: %s\n", serializer.err().message().c_str());
        co_return serializer.err().code().category() == kcoro::schema_registry_category() ? 3 : 1;
    }
    std::printf("schema id %d\n", serializer->schema_id());
    std::fflush(stdout);

    auto producer = kcoro::make_producer<std::string_view, Order>(loop, {.bootstrap_servers = opt.bootstrap},
                                                                  kcoro::string_serializer{}, std::move(*serializer));
    if (!producer) {
        std::fprintf(stderr, "%s\n", producer.err().message().c_str());
        co_return 1;
    }
    auto& p = **producer;
    tally t;
    for (long i = 0; i < opt.count; ++i) {
        Order o = make(i);
        if (opt.bad_every > 0 && i % opt.bad_every == opt.bad_every - 1) o.status = "lost";
        const std::string key = std::to_string(i);
        // Resumes once the record is in a batch; the callback counts its delivery later. A record
        // the serializer refuses fails here, alone.
        auto sent = co_await p.send({.topic = opt.topic, .key = key, .value = o}, [&t](kcoro::delivery_result&& r) {
            if (r) ++t.delivered;
            else ++t.failed;
        });
        if (!sent) {
            if (t.refused++ == 0) std::printf("first refused record %ld: %s\n", i, sent.err().message().c_str());
        }
    }
    auto closed = co_await p.close(std::chrono::seconds(30));
    if (!closed) std::fprintf(stderr, "close: %s\n", closed.err().message().c_str());
    std::printf("delivered %ld refused %ld failed %ld requests %llu\n", t.delivered, t.refused, t.failed,
                static_cast<unsigned long long>(registry.requests_sent()));
    const long expected_refused = opt.bad_every > 0 ? opt.count / opt.bad_every : 0;
    co_return closed && t.failed == 0 && t.refused == expected_refused && t.delivered == opt.count - expected_refused ? 0 : 1;
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s <bootstrap servers> <registry url> <topic> <count> [--schema 1|2|3] [--compatibility LEVEL] "
                 "[--bad-every N] [--lookup-only] [--use-latest]\n",
                 argv0);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) return usage(argv[0]);
    options opt;
    opt.bootstrap = argv[1];
    opt.registry_url = argv[2];
    opt.topic = argv[3];
    opt.count = std::atol(argv[4]);
    for (int i = 5; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--schema" && has_value) opt.schema = std::atoi(argv[++i]);
        else if (a == "--compatibility" && has_value) opt.compatibility = argv[++i];
        else if (a == "--bad-every" && has_value) opt.bad_every = std::atol(argv[++i]);
        else if (a == "--lookup-only") opt.lookup_only = true;
        else if (a == "--use-latest") opt.use_latest = true;
        else return usage(argv[0]);
    }
    kcoro::event_loop loop;
    auto registry = registry_client::create(kcoro::event_loop_runtime(loop), {.url = opt.registry_url});
    if (!registry) {
        std::fprintf(stderr, "%s\n", registry.err().message().c_str());
        return 2;
    }
    switch (opt.schema) {
    case 1: return kcoro::run_until_complete(loop, produce<shop::order>(loop, **registry, opt, shop::schema_v1, shop::make_order));
    case 2: return kcoro::run_until_complete(loop, produce<shop::order_v2>(loop, **registry, opt, shop::schema_v2, shop::make_order_v2));
    case 3: return kcoro::run_until_complete(loop, produce<shop::order_v3>(loop, **registry, opt, shop::schema_v3, shop::make_order_v3));
    default: return usage(argv[0]);
    }
}
