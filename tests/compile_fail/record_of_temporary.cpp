// expect: kcoro: a record's key and value are views of objects the caller keeps alive
// A record refers to its key and value, so that g++ 12 has nothing to destroy twice in
// `co_await p.send({...})`. A record kept in a variable would then outlive a temporary that owns
// its bytes: that must not compile, for the owning type itself and for a view of one.
#include <kcoro/kcoro.hpp>

#include <string>
#include <string_view>

std::string make_value() { return "a value longer than the small-string buffer"; }

int main() {
    const kcoro::producer_record<std::string_view, std::string> owning{.topic = "t", .value = make_value()};
    const kcoro::producer_record<std::string_view, std::string_view> viewing{.topic = "t", .value = make_value()};
    return owning.value.has_value() && viewing.value.has_value() ? 0 : 1;
}
