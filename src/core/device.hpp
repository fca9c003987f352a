// device: nn_device. Forwards messages between two raw (AF_SP_RAW) sockets
// of one protocol family - a broker, e.g. raw REP on the client side and raw
// REQ on the server side - or, with one handle negative, from a raw socket
// back to itself (a BUS hub). Runs on the calling thread until an error: nn_term
// makes it return ETERM, closing one of its sockets EBADF.
//
// Checks, as nanomsg makes them: at least one handle (else EBADF), raw
// sockets, same family (protocol / 16), and directions that fit (what one
// side receives the other must be able to send), else EINVAL. Messages keep
// their SP header (backtrace), which is what lets REQ/REP cross a device.
//
// One direction (e.g. PUSH/PULL): a message the far side cannot take before
// its NN_SNDTIMEO is dropped. Both directions (REQ/REP, BUS, ...) share the
// calling thread: a message is only taken from one side when the other can
// send it, so it waits in its socket (e.g. until a REP connects) rather than
// being dropped. Each socket is held only during its own call, so closing one side
// never waits for a blocked call on the other.
//
// Threads: any; it blocks.
#pragma once

#include <system_error>

#include "core/socket_table.hpp"

namespace nanoport::core {

std::error_code run_device(socket_table& table, int s1, int s2);

}  // namespace nanoport::core
