// Whether the broker's certificate must name the host the producer connected to.
#pragma once

#include "../detail/prelude.hpp"

#include <cstdint>

KCORO_NAMESPACE_BEGIN

enum class ssl_endpoint_identification : std::uint8_t {
    https,  // the certificate must name the host (or IP address) in bootstrap_servers or metadata
    // The certificate chain is still verified, but any host's certificate is accepted: whoever holds
    // one signed by the CA can stand in for the broker. For test clusters only.
    none_insecure,
};

KCORO_NAMESPACE_END
