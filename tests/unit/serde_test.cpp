// Serializers write what Java's StringSerializer, ByteArraySerializer and Short/Integer/Long/
// Float/DoubleSerializer write; user types plug in through default_serializer.
#include <kcoro/kcoro.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace serde_test {

using bytes = std::vector<kcoro::byte>;

template <class S, class T>
bytes serialized(const S& s, const T& v) {
    kcoro::byte_buffer buf;
    kcoro::buffer_sink sink{buf};
    s.serialize(v, sink);
    return {buf.begin(), buf.end()};
}

template <class T>
bytes by_default(const T& v) {
    return serialized(kcoro::default_serializer<T>{}, v);
}

struct point {
    std::int32_t x;
    std::int16_t y;
    std::string label;
};

// A sink that only counts, to show serializers work with any byte_sink.
struct counting_sink {
    std::size_t n = 0;
    void write(const void*, std::size_t k) { n += k; }
    void put(kcoro::byte) { ++n; }
};
static_assert(kcoro::byte_sink<counting_sink>);
static_assert(kcoro::byte_sink<kcoro::buffer_sink>);

}  // namespace serde_test

template <>
struct kcoro::default_serializer<serde_test::point> {
    template <kcoro::byte_sink S>
    void serialize(const serde_test::point& p, S& out) const {
        kcoro::int32_serializer{}.serialize(p.x, out);
        kcoro::int16_serializer{}.serialize(p.y, out);
        out.put(static_cast<kcoro::byte>(p.label.size()));
        out.write(p.label.data(), p.label.size());
    }
};

namespace serde_test {

struct no_serializer_here {};

static_assert(kcoro::serializer_for<kcoro::default_serializer<point>, point>);
static_assert(kcoro::serializer_for<kcoro::default_serializer<std::string>, std::string>);
static_assert(kcoro::serializer_for<kcoro::default_serializer<std::int64_t>, std::int64_t>);
static_assert(!kcoro::serializer_for<kcoro::default_serializer<no_serializer_here>, no_serializer_here>);
static_assert(!kcoro::serializer_for<kcoro::int32_serializer, std::string>);

TEST_CASE("serde_test: strings and bytes are written as they are") {
    CHECK(by_default(std::string_view("héllo")) == bytes{'h', 0xc3, 0xa9, 'l', 'l', 'o'});
    CHECK(by_default(std::string("ab")) == bytes{'a', 'b'});
    CHECK(by_default(std::string()).empty());
    const char* c = "xyz";
    CHECK(by_default(c) == bytes{'x', 'y', 'z'});
    const kcoro::byte raw[] = {0x00, 0xff, 0x10};
    CHECK(by_default(kcoro::bytes_view(raw)) == bytes{0x00, 0xff, 0x10});
    const std::byte sb[] = {std::byte{1}, std::byte{2}};
    CHECK(by_default(std::span<const std::byte>(sb)) == bytes{1, 2});
    CHECK(kcoro::string_serializer{}.serialized_size("four") == 4);
    CHECK(kcoro::bytes_serializer{}.serialized_size(kcoro::bytes_view(raw)) == 3);
}

TEST_CASE("serde_test: integers are big-endian two's complement, like Java's serializers") {
    CHECK(by_default(std::int16_t{1}) == bytes{0x00, 0x01});
    CHECK(by_default(std::int16_t{-2}) == bytes{0xff, 0xfe});
    CHECK(by_default(std::int16_t{0x1234}) == bytes{0x12, 0x34});
    CHECK(by_default(std::int32_t{1}) == bytes{0x00, 0x00, 0x00, 0x01});
    CHECK(by_default(std::int32_t{-1}) == bytes{0xff, 0xff, 0xff, 0xff});
    CHECK(by_default(std::int32_t{0x01020304}) == bytes{0x01, 0x02, 0x03, 0x04});
    CHECK(by_default(std::numeric_limits<std::int32_t>::min()) == bytes{0x80, 0x00, 0x00, 0x00});
    CHECK(by_default(std::int64_t{1}) == bytes{0, 0, 0, 0, 0, 0, 0, 0x01});
    CHECK(by_default(std::int64_t{0x0102030405060708}) == bytes{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(by_default(std::int64_t{-256}) == bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00});
    CHECK(kcoro::int64_serializer{}.serialized_size(0) == 8);
    CHECK(kcoro::int16_serializer{}.serialized_size(0) == 2);
}

TEST_CASE("serde_test: floating point is the IEEE 754 bit pattern, big-endian") {
    CHECK(by_default(1.0) == bytes{0x3f, 0xf0, 0, 0, 0, 0, 0, 0});
    CHECK(by_default(-2.0) == bytes{0xc0, 0x00, 0, 0, 0, 0, 0, 0});
    CHECK(by_default(0.1) == bytes{0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a});
    CHECK(by_default(1.0f) == bytes{0x3f, 0x80, 0x00, 0x00});
    CHECK(by_default(-0.0f) == bytes{0x80, 0x00, 0x00, 0x00});
    CHECK(by_default(3.5f) == bytes{0x40, 0x60, 0x00, 0x00});
    CHECK(by_default(std::numeric_limits<double>::infinity()) == bytes{0x7f, 0xf0, 0, 0, 0, 0, 0, 0});
    CHECK(kcoro::double_serializer{}.serialized_size(0.0) == 8);
    CHECK(kcoro::float_serializer{}.serialized_size(0.0f) == 4);
}

TEST_CASE("serde_test: a user type through a default_serializer specialization") {
    const point p{.x = 258, .y = -1, .label = "pt"};
    CHECK(by_default(p) == bytes{0x00, 0x00, 0x01, 0x02, 0xff, 0xff, 0x02, 'p', 't'});
    counting_sink counter;
    kcoro::default_serializer<point>{}.serialize(p, counter);
    CHECK(counter.n == 9);
}

TEST_CASE("serde_test: a serializer writes straight into a record batch") {
    kcoro::record_batch_builder b;
    const auto st = b.try_append(
        1000, [](auto& sink) { kcoro::int32_serializer{}.serialize(7, sink); },
        [](auto& sink) { kcoro::default_serializer<point>{}.serialize(point{1, 2, "z"}, sink); }, {}, 1 << 20);
    REQUIRE(st == kcoro::append_status::appended);
    auto fin = b.finish({});
    REQUIRE(fin);
    kcoro::decoded_batch d;
    REQUIRE(kcoro::read_record_batch(*fin, d));
    REQUIRE(d.records.size() == 1);
    REQUIRE(d.records[0].key);
    CHECK(bytes(d.records[0].key->begin(), d.records[0].key->end()) == bytes{0, 0, 0, 7});
    REQUIRE(d.records[0].value);
    CHECK(bytes(d.records[0].value->begin(), d.records[0].value->end()) == bytes{0, 0, 0, 1, 0, 2, 1, 'z'});
}

}  // namespace serde_test
