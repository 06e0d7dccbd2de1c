// Arbitrary bytes as a transactional response. The first byte picks the message (byte % 5) and the
// version (byte / 5, within the versions the request speaks); the rest is the body.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>
#include <utility>

namespace {

template <class Request>
auto decode_as(kcoro::bytes_view body, std::uint8_t selector) {
    const auto span = static_cast<unsigned>(Request::max_version - Request::min_version + 1);
    const auto version = static_cast<std::int16_t>(Request::min_version + (selector / 5u) % span);
    kcoro::wire_reader r(body);
    return std::pair{Request::response_type::decode(r, version), version};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const kcoro::bytes_view body(data + 1, size - 1);
    switch (data[0] % 5) {
        case 0: {
            auto [out, version] = decode_as<kcoro::find_coordinator_request>(body, data[0]);
            // Before v4 a response names exactly one coordinator.
            if (out && version < 4 && out->coordinators.size() != 1) __builtin_trap();
            if (out && out->coordinators.size() > body.size()) __builtin_trap();
            break;
        }
        case 1: {
            auto [out, version] = decode_as<kcoro::add_partitions_to_txn_request>(body, data[0]);
            if (out && out->topics.size() > body.size()) __builtin_trap();
            (void)version;
            break;
        }
        case 2: {
            auto [out, version] = decode_as<kcoro::add_offsets_to_txn_request>(body, data[0]);
            (void)out;
            (void)version;
            break;
        }
        case 3: {
            auto [out, version] = decode_as<kcoro::end_txn_request>(body, data[0]);
            // Before v5 the response carries no producer id or epoch.
            if (out && version < 5 && (out->producer_id != -1 || out->producer_epoch != -1)) __builtin_trap();
            break;
        }
        default: {
            auto [out, version] = decode_as<kcoro::txn_offset_commit_request>(body, data[0]);
            if (out && out->topics.size() > body.size()) __builtin_trap();
            (void)version;
            break;
        }
    }
    return 0;
}
