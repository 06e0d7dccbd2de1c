// The resolver concept: host name to socket addresses, asynchronously. kcoro's dns_resolver is
// one; an application with its own DNS (c-ares, a service registry) supplies another.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"
#include "awaitable.hpp"
#include "ip_endpoint.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

KCORO_NAMESPACE_BEGIN

// `co_await r.async_resolve(host, port)` -> result<vector<ip_endpoint>>: the addresses to try,
// in order, never empty on success; errc::resolve_failed otherwise. host is copied before the
// first suspension. Runs on the loop's thread and must not block it.
template <class R>
concept resolver = requires(R& r, std::string_view host, std::uint16_t port) {
    { r.async_resolve(host, port) } -> awaitable_of<result<std::vector<ip_endpoint>>>;
};

KCORO_NAMESPACE_END
