// Feeds arbitrary bytes to every response decoder at every version it speaks: the first byte picks
// the decoder, the second the version, the rest is the body. A decoder may reject the input; it
// must never crash, read out of bounds or allocate without bound.
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>

namespace {
template <class Req>
void decode(const std::uint8_t* data, std::size_t size, std::uint8_t v) {
    const int span = Req::max_version - Req::min_version + 1;
    const auto version = static_cast<std::int16_t>(Req::min_version + v % span);
    kcoro::wire_reader r(kcoro::bytes_view(data, size));
    auto out = Req::response_type::decode(r, version);
    (void)out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t which = data[0], v = data[1];
    data += 2;
    size -= 2;
    switch (which % 13) {
        case 0: decode<kcoro::api_versions_request>(data, size, v); break;
        case 1: decode<kcoro::metadata_request>(data, size, v); break;
        case 2: decode<kcoro::produce_request>(data, size, v); break;
        case 3: decode<kcoro::init_producer_id_request>(data, size, v); break;
        case 4: decode<kcoro::create_topics_request>(data, size, v); break;
        case 5: decode<kcoro::delete_topics_request>(data, size, v); break;
        case 6: decode<kcoro::find_coordinator_request>(data, size, v); break;
        case 7: decode<kcoro::add_partitions_to_txn_request>(data, size, v); break;
        case 8: decode<kcoro::add_offsets_to_txn_request>(data, size, v); break;
        case 9: decode<kcoro::end_txn_request>(data, size, v); break;
        case 10: decode<kcoro::txn_offset_commit_request>(data, size, v); break;
        case 11: decode<kcoro::sasl_handshake_request>(data, size, v); break;
        default: decode<kcoro::sasl_authenticate_request>(data, size, v); break;
    }
    return 0;
}
