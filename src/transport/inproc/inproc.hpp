// inproc transport: pipes between sockets of one process, with no OS handles.
// How the two halves of a pipe hand messages over: inproc_pipe.hpp.
#pragma once

#include <memory>
#include <system_error>

#include "transport/address.hpp"
#include "transport/pipe.hpp"

namespace nanoport::transport {

// The inproc bind or connect for addr (scheme inproc). Bind fails with
// EADDRINUSE when the name is bound already. Inside the socket's ctx.
std::error_code make_inproc_endpoint(socket_hooks& socket, const address& addr, bool bind,
                                     std::unique_ptr<endpoint>& out);

}  // namespace nanoport::transport
