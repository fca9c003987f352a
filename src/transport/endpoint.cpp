// make_endpoint: parses the address and hands it to its transport. Also the
// pipe base class's id counter.
#include <atomic>

#include "transport/address.hpp"
#include "transport/inproc/inproc.hpp"
#include "transport/pipe.hpp"
#include "transport/stream/stream_endpoints.hpp"

namespace nanoport::transport {

namespace {
std::atomic<std::uint64_t> last_pipe_id{0};
}

pipe::pipe() noexcept : id_(last_pipe_id.fetch_add(1, std::memory_order_relaxed) + 1) {}

std::error_code make_endpoint(socket_hooks& socket, const std::string& url, bool bind,
                              std::unique_ptr<endpoint>& out) {
    address addr;
    if (std::error_code ec = parse_address(url, bind, addr)) return ec;
    switch (addr.kind) {
    case scheme::tcp:
    case scheme::tls_tcp:
    case scheme::ws:
    case scheme::wss:
        return make_tcp_endpoint(socket, addr, bind, out);
    case scheme::ipc:
        return make_ipc_endpoint(socket, addr, bind, out);
    case scheme::inproc:
        return make_inproc_endpoint(socket, addr, bind, out);
    }
    return std::make_error_code(std::errc::protocol_not_supported);
}

}  // namespace nanoport::transport
