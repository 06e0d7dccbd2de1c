// What an OAUTHBEARER login sends, as the application's token provider returns it: the bearer
// token (usually a JWT from its identity provider), when it expires, and the SASL extensions
// (KIP-342) its cluster reads, such as Confluent Cloud's logicalCluster and identityPoolId.
#pragma once

#include "../detail/prelude.hpp"
#include "../result.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

KCORO_NAMESPACE_BEGIN

struct oauthbearer_token {
    std::string value;                                   // the token; a secret, never shown
    std::chrono::system_clock::time_point expiry{};      // required: a login refuses a token past it
    std::string principal{};                             // names the login in errors; optional
    std::vector<std::pair<std::string, std::string>> extensions{};
};

// Called on the producer's executor each time a connection logs in (the bootstrap connection and
// each broker's), so it should return a cached token while that one is still good. An error it
// returns fails the login with the provider's message, and the connection retries as after any
// failed login.
using oauthbearer_token_provider = std::function<result<oauthbearer_token>()>;

KCORO_NAMESPACE_END
