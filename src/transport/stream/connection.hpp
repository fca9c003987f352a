// connection: what the stream endpoints (stream_listener, stream_dialer)
// know of the pipes they make, one per TCP or Unix-socket connection:
// stream_pipe (the SP TCP and IPC mappings, and tls+tcp, the TCP mapping
// over TLS) and ws_pipe (the SP WebSocket mapping, ws and wss). The
// endpoint chooses by its connection_setup and calls make_connection.
//
// Threads: as stream_pipe (all calls inside the socket's ctx).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "aio/worker.hpp"
#include "aio/worker_op.hpp"
#include "transport/pipe.hpp"
#include "transport/sp_wire.hpp"

namespace nanoport::transport {

class connection;
class tls_config;

// The endpoint that made a connection: told when it has stopped, and frees
// it afterwards (never from inside pipe_stopped).
class connection_parent {
public:
    virtual void pipe_stopped(connection& c) = 0;
    // The endpoint's priorities, which the connection takes over.
    virtual endpoint_priorities priorities() const = 0;
    // The connection's handshake completed (at most once; one that never
    // completes it just stops).
    virtual void pipe_greeted(connection& c) { (void)c; }

protected:
    ~connection_parent() = default;
};

class connection : public pipe {
public:
    // Begins the handshake. Inside the socket's ctx.
    virtual void start() = 0;
    // close() on behalf of the endpoint that is closing (nn_shutdown,
    // nn_close): an established connection counts as dropped
    // (NN_STAT_DROPPED_CONNECTIONS). Inside the socket's ctx.
    virtual void drop() = 0;
    // Nothing refers to the connection any more: its parent may free it.
    virtual bool stopped() const noexcept = 0;
    // The handshake completed once (it may have closed since).
    virtual bool greeted() const noexcept = 0;
    virtual aio::worker& worker() const noexcept = 0;
};

// Why an added connection ended, for the statistics: the peer or an error
// (broken: NN_STAT_BROKEN_CONNECTIONS), our endpoint closing (dropped:
// NN_STAT_DROPPED_CONNECTIONS), or our protocol (neither).
enum class ending { broken, dropped, uncounted };
void count_ending(socket_hooks& socket, ending why);

// The log line of a connection that failed: "closed by the peer" for EOF,
// else "<what> failed: <reason>". Nothing when what is null (the caller
// logged already).
void log_failure(const std::string& description, const char* what, const std::error_code& ec);

// What an endpoint's connections speak, besides the socket they run on.
struct connection_setup {
    sp_wire::framing framing = sp_wire::framing::tcp;  // tcp or ipc; not used by ws
    std::shared_ptr<const tls_config> tls;             // tls+tcp, wss: TLS first
    bool websocket = false;                            // ws, wss
    bool server = false;                               // accepted (listener) or dialed
    std::string ws_path;                               // ws, wss: the resource ("/path")
    std::string ws_host;                               // ws, wss dialer: the Host header
    std::string ws_route_key;                          // ws, wss listener: its port (ws_routes)
};

// already_read: bytes another listener read from s before handing it over
// (ws_routes); only ws connections take any.
std::unique_ptr<connection> make_connection(socket_hooks& socket, connection_parent& parent,
                                            aio::worker& w, aio::worker_op::stream&& s,
                                            const connection_setup& setup,
                                            std::string description,
                                            std::vector<std::byte> already_read = {});

}  // namespace nanoport::transport
