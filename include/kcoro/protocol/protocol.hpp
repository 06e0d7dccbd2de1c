// Aggregates the protocol layer; kcoro.hpp includes this. The broker side of the messages
// (protocol/broker/messages.hpp) is not part of it.
#pragma once
#include "wire.hpp"
#include "messages.hpp"
#include "kafka_request.hpp"
#include "sasl_mechanism.hpp"
#include "sasl_oauthbearer.hpp"
#include "sasl_plain.hpp"
#include "sasl_scram.hpp"
