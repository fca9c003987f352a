// make_endpoint: parses the address and hands it to its transport.
#include "transport/address.hpp"
#include "transport/inproc/inproc.hpp"
#include "transport/pipe.hpp"
#include "transport/stream/stream_endpoints.hpp"

namespace nanoport::transport {

std::error_code make_endpoint(socket_hooks& socket, const std::string& url, bool bind,
                              std::unique_ptr<endpoint>& out) {
    address addr;
    if (std::error_code ec = parse_address(url, bind, addr)) return ec;
    switch (addr.kind) {
    case scheme::tcp:
        return make_tcp_endpoint(socket, addr, bind, out);
    case scheme::ipc:
        return make_ipc_endpoint(socket, addr, bind, out);
    case scheme::inproc:
        return make_inproc_endpoint(socket, addr, bind, out);
    case scheme::ws:
    case scheme::wss:
    case scheme::tls_tcp:
        return std::make_error_code(std::errc::protocol_not_supported);
    }
    return std::make_error_code(std::errc::protocol_not_supported);
}

}  // namespace nanoport::transport
