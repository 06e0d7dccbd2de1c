// RecordBatch v2 both ways. The first byte picks the mode:
//   0: the rest as a batch, as it is;
//   1: the rest as a batch with batchLength and CRC fixed up, so the parser behind them is reached;
//   2: like 1, with the codec bits set from the second byte, so the decompressors are reached;
//   3: the rest as records ([key length][key][value length][value], 0xff = null) built into a batch
//      with the codec from the second byte, which must read back exactly.
#include <kcoro/kcoro.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace {

void fix_up(std::vector<std::uint8_t>& in) {
    if (in.size() < 61) return;
    const auto len = static_cast<std::uint32_t>(in.size() - 12);
    for (int i = 0; i < 4; ++i) in[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(len >> (24 - 8 * i));
    in[16] = 2;
    const std::uint32_t crc = kcoro::crc32c(in.data() + 21, in.size() - 21);
    for (int i = 0; i < 4; ++i) in[17 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
}

bool within(kcoro::bytes_view v, kcoro::bytes_view a, kcoro::bytes_view b) {
    auto in = [&](kcoro::bytes_view r) { return v.data() >= r.data() && v.data() + v.size() <= r.data() + r.size(); };
    return v.empty() || in(a) || in(b);
}

void check_views(const kcoro::decoded_batch& out, kcoro::bytes_view input) {
    const auto storage = out.records_storage.view();
    for (const auto& r : out.records) {
        if (r.key && !within(*r.key, input, storage)) __builtin_trap();
        if (r.value && !within(*r.value, input, storage)) __builtin_trap();
        for (const auto& h : r.headers)
            if (h.second && !within(*h.second, input, storage)) __builtin_trap();
    }
}

std::optional<kcoro::bytes_view> take(const std::uint8_t*& p, const std::uint8_t* end) {
    if (p == end) return std::nullopt;
    const std::uint8_t n = *p++;
    if (n == 0xff) return std::nullopt;
    const std::size_t k = std::min<std::size_t>(n, static_cast<std::size_t>(end - p));
    kcoro::bytes_view v(p, k);
    p += k;
    return v;
}

void round_trip(const std::uint8_t* p, const std::uint8_t* end, std::uint8_t codec_byte) {
    const auto codec = static_cast<kcoro::compression_codec>(codec_byte % 5);
    if (!kcoro::codec_available(codec)) return;
    std::vector<std::pair<std::optional<kcoro::bytes_view>, std::optional<kcoro::bytes_view>>> recs;
    kcoro::record_batch_builder b;
    std::int64_t ts = 1000;
    while (p != end) {
        auto k = take(p, end);
        auto v = take(p, end);
        kcoro::append_status st;
        if (k && v) st = b.try_append(ts, *k, *v, {}, 1u << 30);
        else if (k) st = b.try_append(ts, *k, kcoro::null_record_field{}, {}, 1u << 30);
        else if (v) st = b.try_append(ts, kcoro::null_record_field{}, *v, {}, 1u << 30);
        else st = b.try_append(ts, kcoro::null_record_field{}, kcoro::null_record_field{}, {}, 1u << 30);
        if (st != kcoro::append_status::appended) __builtin_trap();
        recs.emplace_back(k, v);
        ts += 3;
    }
    kcoro::batch_finish_params params;
    params.codec = codec;
    auto fin = b.finish(params);
    if (!fin) __builtin_trap();
    kcoro::decoded_batch out;
    if (!kcoro::read_record_batch(*fin, out)) __builtin_trap();
    if (out.records.size() != recs.size()) __builtin_trap();
    auto same = [](const std::optional<kcoro::bytes_view>& a, const std::optional<kcoro::bytes_view>& b2) {
        if (a.has_value() != b2.has_value()) return false;
        return !a || (a->size() == b2->size() && std::equal(a->begin(), a->end(), b2->begin()));
    };
    for (std::size_t i = 0; i < recs.size(); ++i) {
        if (!same(out.records[i].key, recs[i].first) || !same(out.records[i].value, recs[i].second)) __builtin_trap();
        if (out.records[i].offset != static_cast<std::int64_t>(i)) __builtin_trap();
        if (out.records[i].timestamp != 1000 + 3 * static_cast<std::int64_t>(i)) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t mode = data[0] % 4;
    if (mode == 3) {
        round_trip(data + 2, data + size, data[1]);
        return 0;
    }
    std::vector<std::uint8_t> in(data + 1, data + size);
    if (mode == 2 && in.size() >= 61) in[22] = static_cast<std::uint8_t>((in[22] & ~7u) | (data[1] % 5));
    if (mode >= 1) fix_up(in);
    kcoro::decoded_batch out;
    const kcoro::bytes_view input(in.data(), in.size());
    if (kcoro::read_record_batch(input, out)) check_views(out, input);
    return 0;
}
