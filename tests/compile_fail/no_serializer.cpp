// expect: kcoro: no serializer for this key or value type
// A value type with no kcoro::default_serializer specialization must fail with one short message.
#include <kcoro/kcoro.hpp>

struct order {
    int id;
};

int main() {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<std::string_view, order>(loop, {.bootstrap_servers = "127.0.0.1:9092"});
    return p ? 0 : 1;
}
