// tcp (also tls+tcp, ws, wss) and ipc endpoints: stream listeners and dialers
// (the SP TCP and IPC mappings share everything but the framing).
#pragma once

#include <memory>
#include <system_error>

#include "transport/address.hpp"
#include "transport/pipe.hpp"

namespace nanoport::transport {

std::error_code make_tcp_endpoint(socket_hooks& socket, const address& addr, bool bind,
                                  std::unique_ptr<endpoint>& out);
std::error_code make_ipc_endpoint(socket_hooks& socket, const address& addr, bool bind,
                                  std::unique_ptr<endpoint>& out);

}  // namespace nanoport::transport
