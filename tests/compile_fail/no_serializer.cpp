// expect: kcoro: no serializer
// A value type with no kcoro::default_serializer specialization must be rejected at compile time
// with one short message from kcoro::require_serializer, not pages of template errors.
#include <kcoro/kcoro.hpp>

#include <string_view>

struct nope {
    int id;
};

int main() {
    kcoro::event_loop loop;
    auto p = kcoro::make_producer<std::string_view, nope>(loop, {});
    return p ? 0 : 1;
}
