#include "transport/stream/connection.hpp"

#include <asio/error.hpp>

#include "aio/log.hpp"

#include "transport/stream/stream_pipe.hpp"
#include "transport/ws/ws_pipe.hpp"

namespace nanoport::transport {

void count_ending(socket_hooks& socket, ending why) {
    switch (why) {
    case ending::broken:
        socket.count_broken();
        return;
    case ending::dropped:
        socket.count_dropped();
        return;
    case ending::uncounted:
        return;
    }
}

void log_failure(const std::string& description, const char* what, const std::error_code& ec) {
    if (!what) return;
    if (ec == asio::error::eof) {
        aio::log("%s: closed by the peer", description.c_str());
    } else {
        aio::log("%s: %s failed: %s", description.c_str(), what, ec ? ec.message().c_str() : "");
    }
}

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
