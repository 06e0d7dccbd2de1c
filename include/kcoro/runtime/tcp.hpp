// TCP on kcoro's event loop: endpoints and resolution, the stream, and connecting.
#pragma once
#include "ip_endpoint.hpp"
#include "tcp_stream.hpp"
#include "tcp_connect.hpp"
#include "tcp_listener.hpp"
