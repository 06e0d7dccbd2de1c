// Micro-benchmark of Avro binary encoding: a 10-field record (longs, an int, a double, strings, an
// enum, an optional string, a timestamp, a boolean) written into memory by kcoro's typed mapping,
// by kcoro's generic_record, and by avro-c's generic value (Debian's libavro-dev), in one run.
// Encoding alone (the value already built, one field changed per record), and building the
// generic value plus encoding it (what a producer of generic records pays per record).
// Checks first that all three write the same bytes. Prints medians of several runs; wall time on
// a shared machine is noisy, compare the ratios.
#include <kcoro/avro.hpp>

#include <avro.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace bench {

enum class side { BUY, SELL };
KCORO_AVRO_ENUM(side, BUY, SELL)

struct trade {
    std::int64_t id;
    std::int64_t account;
    std::string symbol;
    side direction;
    std::int32_t quantity;
    double price;
    std::string venue;
    std::optional<std::string> note;
    std::chrono::sys_time<std::chrono::microseconds> executed;
    bool active;
};
constexpr auto kcoro_avro_members(kcoro::avro::type_tag<trade>) {
    using kcoro::avro::member;
    return std::make_tuple(member("id", &trade::id), member("account", &trade::account), member("symbol", &trade::symbol),
                           member("side", &trade::direction), member("quantity", &trade::quantity), member("price", &trade::price),
                           member("venue", &trade::venue), member("note", &trade::note), member("executed", &trade::executed),
                           member("active", &trade::active));
}

}  // namespace bench

namespace {

namespace avro = kcoro::avro;
using clk = std::chrono::steady_clock;

constexpr const char* schema_text = R"({"type": "record", "name": "Trade", "namespace": "bench", "fields": [
  {"name": "id", "type": "long"},
  {"name": "account", "type": "long"},
  {"name": "symbol", "type": "string"},
  {"name": "side", "type": {"type": "enum", "name": "Side", "symbols": ["BUY", "SELL"]}},
  {"name": "quantity", "type": "int"},
  {"name": "price", "type": "double"},
  {"name": "venue", "type": "string"},
  {"name": "note", "type": ["null", "string"]},
  {"name": "executed", "type": {"type": "long", "logicalType": "timestamp-micros"}},
  {"name": "active", "type": "boolean"}]})";

template <class F>
double median_ns_per(int runs, int records, F&& f) {
    std::vector<double> v;
    for (int i = 0; i < runs; ++i) {
        auto t0 = clk::now();
        f();
        v.push_back(std::chrono::duration<double, std::nano>(clk::now() - t0).count() / records);
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "avro_bench: %s: %s\n", what, avro_strerror());
    std::exit(1);
}

volatile std::size_t consumed;

const bench::trade sample{1, 4242, "ACME", bench::side::SELL, 300, 101.25, "XNAS", std::string("iceberg"),
                          std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(1700000000123456)), true};

void fill_generic(avro::generic_record& r, std::int64_t id) {
    r.set(std::size_t{0}, id)
        .set(std::size_t{1}, sample.account)
        .set(std::size_t{2}, sample.symbol)
        .set(std::size_t{3}, avro::datum::enumeration("SELL"))
        .set(std::size_t{4}, sample.quantity)
        .set(std::size_t{5}, sample.price)
        .set(std::size_t{6}, sample.venue)
        .set(std::size_t{7}, *sample.note)
        .set(std::size_t{8}, sample.executed)
        .set(std::size_t{9}, sample.active);
}

void fill_avro_c(avro_value_t& v, std::int64_t id) {
    avro_value_t f, branch;
    if (avro_value_get_by_index(&v, 0, &f, nullptr) || avro_value_set_long(&f, id)) die("id");
    if (avro_value_get_by_index(&v, 1, &f, nullptr) || avro_value_set_long(&f, sample.account)) die("account");
    if (avro_value_get_by_index(&v, 2, &f, nullptr) || avro_value_set_string_len(&f, sample.symbol.c_str(), sample.symbol.size() + 1))
        die("symbol");
    if (avro_value_get_by_index(&v, 3, &f, nullptr) || avro_value_set_enum(&f, 1)) die("side");
    if (avro_value_get_by_index(&v, 4, &f, nullptr) || avro_value_set_int(&f, sample.quantity)) die("quantity");
    if (avro_value_get_by_index(&v, 5, &f, nullptr) || avro_value_set_double(&f, sample.price)) die("price");
    if (avro_value_get_by_index(&v, 6, &f, nullptr) || avro_value_set_string_len(&f, sample.venue.c_str(), sample.venue.size() + 1))
        die("venue");
    if (avro_value_get_by_index(&v, 7, &f, nullptr) || avro_value_set_branch(&f, 1, &branch) ||
        avro_value_set_string_len(&branch, sample.note->c_str(), sample.note->size() + 1))
        die("note");
    if (avro_value_get_by_index(&v, 8, &f, nullptr) || avro_value_set_long(&f, sample.executed.time_since_epoch().count()))
        die("executed");
    if (avro_value_get_by_index(&v, 9, &f, nullptr) || avro_value_set_boolean(&f, sample.active ? 1 : 0)) die("active");
}

}  // namespace

int main(int argc, char** argv) {
    const int records = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
    constexpr int runs = 5;
    auto schema = avro::schema::parse(schema_text);
    if (!schema) {
        std::fprintf(stderr, "%s\n", schema.err().message().c_str());
        return 1;
    }
    auto typed = avro::encoder<bench::trade>::make(*schema);
    auto generic = avro::encoder<avro::generic_record>::make(*schema);
    auto record = avro::generic_record::make(*schema);
    if (!typed || !generic || !record) {
        std::fprintf(stderr, "avro_bench: the encoders could not be made\n");
        return 1;
    }
    avro_schema_t c_schema = nullptr;
    if (avro_schema_from_json_length(schema_text, std::strlen(schema_text), &c_schema)) die("schema");
    avro_value_iface_t* iface = avro_generic_class_from_schema(c_schema);
    avro_value_t c_value;
    if (iface == nullptr || avro_generic_value_new(iface, &c_value)) die("value");
    std::vector<char> c_buf(4096);
    avro_writer_t writer = avro_writer_memory(c_buf.data(), static_cast<int64_t>(c_buf.size()));

    kcoro::byte_buffer buf;
    buf.reserve(4096);
    kcoro::buffer_sink sink{buf};

    // The three write the same bytes.
    std::string typed_bytes, generic_bytes, c_bytes;
    bench::trade t = sample;
    if (!typed->encode(t, sink)) return 1;
    typed_bytes.assign(reinterpret_cast<const char*>(buf.data()), buf.size());
    buf.clear();
    fill_generic(*record, 1);
    if (!generic->encode(*record, sink)) return 1;
    generic_bytes.assign(reinterpret_cast<const char*>(buf.data()), buf.size());
    fill_avro_c(c_value, 1);
    if (avro_value_write(writer, &c_value)) die("write");
    c_bytes.assign(c_buf.data(), static_cast<std::size_t>(avro_writer_tell(writer)));
    if (typed_bytes != generic_bytes || typed_bytes != c_bytes) {
        std::fprintf(stderr, "avro_bench: the encodings differ\n");
        return 1;
    }

    const double typed_ns = median_ns_per(runs, records, [&] {
        std::size_t n = 0;
        for (int i = 0; i < records; ++i) {
            buf.clear();
            t.id = i;
            if (!typed->encode(t, sink)) std::abort();
            n += buf.size();
        }
        consumed = n;
    });
    const double generic_ns = median_ns_per(runs, records, [&] {
        std::size_t n = 0;
        for (int i = 0; i < records; ++i) {
            buf.clear();
            record->set(std::size_t{0}, std::int64_t{i});
            if (!generic->encode(*record, sink)) std::abort();
            n += buf.size();
        }
        consumed = n;
    });
    const double generic_built_ns = median_ns_per(runs, records, [&] {
        std::size_t n = 0;
        for (int i = 0; i < records; ++i) {
            buf.clear();
            record->clear();
            fill_generic(*record, i);
            if (!generic->encode(*record, sink)) std::abort();
            n += buf.size();
        }
        consumed = n;
    });
    const double c_ns = median_ns_per(runs, records, [&] {
        std::size_t n = 0;
        avro_value_t id;
        for (int i = 0; i < records; ++i) {
            avro_writer_memory_set_dest(writer, c_buf.data(), static_cast<int64_t>(c_buf.size()));
            if (avro_value_get_by_index(&c_value, 0, &id, nullptr) || avro_value_set_long(&id, i)) die("id");
            if (avro_value_write(writer, &c_value)) die("write");
            n += static_cast<std::size_t>(avro_writer_tell(writer));
        }
        consumed = n;
    });
    const double c_built_ns = median_ns_per(runs, records, [&] {
        std::size_t n = 0;
        for (int i = 0; i < records; ++i) {
            avro_writer_memory_set_dest(writer, c_buf.data(), static_cast<int64_t>(c_buf.size()));
            avro_value_reset(&c_value);
            fill_avro_c(c_value, i);
            if (avro_value_write(writer, &c_value)) die("write");
            n += static_cast<std::size_t>(avro_writer_tell(writer));
        }
        consumed = n;
    });

    std::printf("avro_bench: a 10-field record (bench.Trade, %zu bytes), %d records, median of %d runs\n", typed_bytes.size(), records,
                runs);
    std::printf("  %-44s %7.1f ns/record\n", "kcoro typed mapping (KCORO_AVRO members)", typed_ns);
    std::printf("  %-44s %7.1f ns/record\n", "kcoro generic_record, fields already set", generic_ns);
    std::printf("  %-44s %7.1f ns/record\n", "avro-c generic value, fields already set", c_ns);
    std::printf("  %-44s %7.1f ns/record\n", "kcoro generic_record, 10 set() + encode", generic_built_ns);
    std::printf("  %-44s %7.1f ns/record\n", "avro-c generic value, 10 sets + encode", c_built_ns);
    std::printf("ratios: typed / avro-c %.2f, generic / avro-c %.2f, generic built / avro-c built %.2f\n", typed_ns / c_ns,
                generic_ns / c_ns, generic_built_ns / c_built_ns);
    std::printf("RESULT avro_bench typed_ns=%.1f generic_ns=%.1f avro_c_ns=%.1f generic_built_ns=%.1f avro_c_built_ns=%.1f\n", typed_ns,
                generic_ns, c_ns, generic_built_ns, c_built_ns);

    avro_writer_free(writer);
    avro_value_decref(&c_value);
    avro_value_iface_decref(iface);
    avro_schema_decref(c_schema);
    return 0;
}
