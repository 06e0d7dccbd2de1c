// Separate compilation of the producer engine, as Asio's ASIO_SEPARATE_COMPILATION offers: the
// engine is the bulk of what a file that sends records compiles, and it depends only on the
// runtime, not on the producer's key, value, serializer or partitioner types. So one file of a
// program may compile it for every other.
//
// For kcoro's event loop and the Asio adapter: define KCORO_SEPARATE_COMPILATION in every file of
// the program, and include <kcoro/impl/src.hpp> (the event loop) or <kcoro/asio/impl/src.hpp>
// (asio_runtime) in exactly one. For a runtime of your own, put KCORO_DECLARE_ENGINE(R) after R's
// definition in the header that defines it, and KCORO_DEFINE_ENGINE(R) in one .cpp.
//
// Every file must be compiled with the same codec and TLS macros and the same exception mode.
// The codec and TLS macros name kcoro's inline namespace, so a mismatch there fails to link
// instead of mixing two configurations.
#pragma once

#include "../detail/prelude.hpp"
#include "admin.hpp"
#include "broker_connection.hpp"
#include "broker_sender.hpp"
#include "metadata_refresher.hpp"
#include "producer_engine.hpp"
#include "producer_id_requester.hpp"
#include "transaction_manager.hpp"

// One list for the declarations and the definitions, so that the two cannot drift apart. At
// global scope, with the runtime's full name.
#define KCORO_DETAIL_ENGINE_INSTANCES(keyword, R)             \
    keyword template class ::kcoro::broker_connection<R>;     \
    keyword template class ::kcoro::broker_sender<R>;         \
    keyword template class ::kcoro::metadata_refresher<R>;    \
    keyword template class ::kcoro::producer_id_requester<R>; \
    keyword template class ::kcoro::transaction_manager<R>;   \
    keyword template class ::kcoro::producer_engine<R>;       \
    keyword template class ::kcoro::basic_admin<R>

// Declares the engine's instances for runtime R: a file that sees this does not compile them.
#define KCORO_DECLARE_ENGINE(R) KCORO_DETAIL_ENGINE_INSTANCES(extern, R)
// Compiles them, in the one file that does.
#define KCORO_DEFINE_ENGINE(R) KCORO_DETAIL_ENGINE_INSTANCES(, R)
