// make_socket: the one place where a socket meets the real protocols,
// transports and worker pool. Kept apart from socket.cpp so that the socket's
// own unit tests link with fakes instead (tests/core).
#include <new>

#include "core/socket.hpp"
#include "protocols/protocol.hpp"
#include "transport/pipe.hpp"

namespace nanoport::core {

std::error_code make_socket(int domain, int protocol_number, std::unique_ptr<socket>& out) {
    std::unique_ptr<protocols::protocol> protocol;
    if (std::error_code ec = protocols::make_protocol(domain, protocol_number, protocol)) return ec;
    try {
        aio::pool& workers = aio::pool::default_pool();
        out = std::make_unique<socket>(domain, protocol_number, std::move(protocol), workers,
                                       &transport::make_endpoint);
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    } catch (const std::system_error& e) {
        return e.code();  // aio::engine_error: a worker's completion port could not start
    }
    return {};
}

}  // namespace nanoport::core
