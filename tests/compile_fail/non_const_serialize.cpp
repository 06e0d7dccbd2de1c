// expect: kcoro: the serializer's serialize() must be a const member function
// A serializer whose serialize() is not const was reported as "no serializer", which sent users
// looking for a missing specialization; the message must say what is actually wrong.
#include <kcoro/kcoro.hpp>

#include <string_view>

struct order {
    int id;
};

struct order_serializer {
    template <kcoro::byte_sink S>
    void serialize(const order& o, S& out) {  // not const
        out.write(&o.id, sizeof o.id);
    }
};

int main() {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<std::string_view, order>(loop, {}, kcoro::string_serializer{}, order_serializer{});
    return p ? 0 : 1;
}
