// A tiny program as a user of the installed or embedded kcoro would write it.
#include <kcoro/kcoro.hpp>

#include <cstdio>

int main() {
    kcoro::byte_buffer buf;
    buf.append(std::string_view("kcoro"));
    std::error_code ec = kcoro::errc::not_leader_or_follower;
    if (buf.size() != 5 || !kcoro::is_retriable(kcoro::errc::not_leader_or_follower)) return 1;
    std::printf("kcoro %d.%d.%d consumer ok: %s\n", KCORO_VERSION_MAJOR, KCORO_VERSION_MINOR, KCORO_VERSION_PATCH,
                ec.message().c_str());
    return 0;
}
