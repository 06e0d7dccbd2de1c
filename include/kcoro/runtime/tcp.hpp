// TCP on kcoro's event loop: endpoints and resolution, the stream, connecting and listening.
#pragma once
#include "ip_endpoint.hpp"
#include "resolver.hpp"
#include "dns_resolver.hpp"
#include "tcp_stream.hpp"
#include "tcp_connect.hpp"
#include "tcp_listener.hpp"
#include "tcp_transport.hpp"
