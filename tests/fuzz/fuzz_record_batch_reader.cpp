// Arbitrary bytes as a RecordBatch v2 (with the CRC fixed up half of the time, so the parser behind
// the checksum is reached too).
#include <kcoro/kcoro.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool fix_crc = data[0] & 1;
    std::vector<std::uint8_t> in(data + 1, data + size);
    if (fix_crc && in.size() >= 61) {
        const std::uint32_t crc = kcoro::crc32c(in.data() + 21, in.size() - 21);
        in[17] = static_cast<std::uint8_t>(crc >> 24);
        in[18] = static_cast<std::uint8_t>(crc >> 16);
        in[19] = static_cast<std::uint8_t>(crc >> 8);
        in[20] = static_cast<std::uint8_t>(crc);
    }
    kcoro::decoded_batch out;
    auto r = kcoro::read_record_batch(kcoro::bytes_view(in.data(), in.size()), out);
    (void)r;
    return 0;
}
