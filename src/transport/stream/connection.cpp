#include "transport/stream/connection.hpp"

#include "transport/stream/stream_pipe.hpp"
#include "transport/ws/ws_pipe.hpp"

namespace nanoport::transport {

std::unique_ptr<connection> make_connection(socket_hooks& socket, connection_parent& parent,
                                            aio::worker& w, aio::worker_op::stream&& s,
                                            const connection_setup& setup,
                                            std::string description,
                                            std::vector<std::byte> already_read) {
    if (setup.websocket) {
        return std::make_unique<ws_pipe>(socket, parent, w, std::move(s), setup,
                                         std::move(description), std::move(already_read));
    }
    return std::make_unique<stream_pipe>(socket, parent, w, std::move(s), setup.framing, setup.tls,
                                         std::move(description));
}

}  // namespace nanoport::transport
