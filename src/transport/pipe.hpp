// pipe, socket_hooks and endpoint: the contract between transports (below)
// and sockets and protocols (above).
//
// A pipe is one connection to one peer, of any transport (tcp, ipc, inproc),
// after its SP handshake. Protocols move messages through pipes and never see
// a transport. An endpoint is one bind or connect made on a socket; it makes
// pipes (a listener: one per accepted connection; a dialer: one at a time, and
// again after each loss).
//
// Locking: every pipe and endpoint of a socket shares the socket's fsm_ctx.
// All calls below - the protocol calling a pipe, a pipe calling its socket's
// hooks - happen inside that ctx, on whichever thread is in it (a user thread
// in nn_send, a worker completing I/O). So protocol state, pipe queues and
// endpoint lists need no locks of their own, and a pipe calls its socket
// directly. Anything that crosses to another socket's ctx (inproc) goes
// through an fsm_event, delivered after the ctx is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "aio/fsm.hpp"
#include "aio/message.hpp"
#include "aio/pool.hpp"

namespace nanoport::transport {

class pipe;
class endpoint;

// Socket options a pipe or endpoint needs, read when it is created (pipes) or
// when it needs them (endpoints, for reconnect intervals).
struct pipe_options {
    std::size_t send_buffer = 128 * 1024;      // NN_SNDBUF: bytes queued before a pipe is full
    std::size_t receive_buffer = 128 * 1024;   // NN_RCVBUF: bytes buffered before reading pauses
    std::int64_t receive_max_size = 1 << 20;   // NN_RCVMAXSIZE; -1 = unlimited
    int send_priority = 8;                     // NN_SNDPRIO of the endpoint, 1 (first) .. 16
    int receive_priority = 8;                  // NN_RCVPRIO of the endpoint
    bool tcp_nodelay = false;                  // NN_TCP_NODELAY
    bool ipv4_only = true;                     // NN_IPV4ONLY
    int reconnect_interval_ms = 100;           // NN_RECONNECT_IVL
    int reconnect_interval_max_ms = 0;         // NN_RECONNECT_IVL_MAX; 0 = no back-off
    int handshake_timeout_ms = 1000;           // greeting deadline (nanomsg's value)
};

// What a socket offers its pipes and endpoints. Implemented by core::socket;
// every call is made inside the socket's ctx.
class socket_hooks {
public:
    // The ctx every pipe and endpoint of this socket uses.
    virtual aio::fsm_ctx& ctx() = 0;
    // Our SP protocol id (greeting) and whether a peer's id may talk to us.
    virtual std::uint16_t protocol_id() const = 0;
    virtual bool accepts_peer(std::uint16_t peer_id) const = 0;
    // Options as they are now.
    virtual pipe_options current_options() const = 0;
    // The engine's workers (an endpoint binds itself and its pipes to them).
    virtual aio::pool& workers() = 0;

    // A pipe finished its handshake: the protocol may use it from now on.
    // Returning an error (e.g. PAIR already has its peer) makes the pipe close
    // itself; the pipe was never added, so no pipe_removed follows.
    virtual std::error_code pipe_added(pipe& p) = 0;
    // The pipe is gone. After this returns nobody above calls it again; the
    // transport frees it later. Called only for pipes that were added.
    virtual void pipe_removed(pipe& p) = 0;
    // recv() would now return a message (after it last reported none).
    virtual void pipe_readable(pipe& p) = 0;
    // send() is accepted again (after it last reported full).
    virtual void pipe_writable(pipe& p) = 0;
    // The pipe's outbound queue has just emptied (everything handed to the OS
    // or to the peer). A closing socket waits for this, up to NN_LINGER.
    virtual void pipe_flushed(pipe& p) { (void)p; }
    // An endpoint finished closing: it has no pipe, op, task or timer left
    // and may be destroyed (not from inside this call).
    virtual void endpoint_stopped(endpoint& e) = 0;
    // Counters for statistics (nn_get_statistic ids 101..107 and 3xx).
    virtual void count_established() {}
    virtual void count_accepted() {}
    virtual void count_dropped() {}
    virtual void count_broken() {}
    virtual void count_connect_error() {}
    virtual void count_bind_error() {}
    virtual void count_accept_error() {}

protected:
    ~socket_hooks() = default;
};

// Per-pipe state a protocol hangs on a pipe (its place in a round-robin list,
// a fair-queue slot). The protocol owns it; the pipe only carries it.
class pipe_attachment {
public:
    virtual ~pipe_attachment() = default;
};

class pipe {
public:
    virtual ~pipe() = default;

    // Queues m for the peer, consuming it. Only call while the pipe is
    // writable: from pipe_added until send() returns false, and again after
    // pipe_writable. Returns false when the pipe is now full.
    virtual bool send(aio::message&& m) = 0;

    struct receive_result {
        bool received = false;  // out holds a message
        bool more = false;      // another one is ready; if false, wait for pipe_readable
    };
    // Takes the next message, if any.
    virtual receive_result receive(aio::message& out) = 0;

    // Asks the pipe to go away (a protocol refusing a peer, a malformed
    // message). pipe_removed follows; the call itself never re-enters the socket.
    virtual void close() = 0;

    // Nothing the protocol sent through this pipe is still waiting in it.
    virtual bool flushed() const { return true; }

    // The peer's SP protocol id from its greeting.
    virtual std::uint16_t peer_protocol() const = 0;
    // Priorities of the endpoint that made this pipe (lower number = preferred).
    virtual int send_priority() const = 0;
    virtual int receive_priority() const = 0;
    // Text for logs and statistics, e.g. "tcp://127.0.0.1:5555".
    virtual std::string describe() const = 0;

    std::unique_ptr<pipe_attachment> attachment;  // the protocol's state for this pipe
};

class endpoint {
public:
    virtual ~endpoint() = default;

    // Stops accepting/connecting and closes this endpoint's pipes. Idempotent,
    // non-blocking, inside the socket's ctx. socket_hooks::endpoint_stopped
    // follows once everything it started has completed.
    virtual void close() = 0;
    // The address as given to bind/connect.
    virtual const std::string& address() const = 0;
};

// Creates the endpoint for url on a socket: transports register here by
// scheme. Bind errors are immediate (EADDRINUSE, EADDRNOTAVAIL, EACCES, ...);
// a connect only fails at once for a bad address (EINVAL, ENODEV, ...).
// Unknown schemes give std::errc::protocol_not_supported. Inside the socket's ctx.
std::error_code make_endpoint(socket_hooks& socket, const std::string& url, bool bind,
                              std::unique_ptr<endpoint>& out);

}  // namespace nanoport::transport
