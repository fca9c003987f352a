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
    int handshake_timeout_ms = 1000;           // NANOPORT_HANDSHAKE_TIMEOUT (nanomsg's fixed value)
    int max_pending_connections = 1024;        // NANOPORT_MAX_PENDING_CONNECTIONS, per listener
    int ipc_permissions = -1;                  // NANOPORT_IPC_PERMISSIONS; -1 = as the umask leaves it
    int ws_message_type = 2;                   // NN_WS_MSG_TYPE: text (1) or binary (2) frames
};

// The NANOPORT_TLS options (nanoport/extensions.h), read when a tls+tcp or
// wss endpoint is made. Empty strings are unset; auth_mode -1 is the default.
struct tls_settings {
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::string server_name;
    int auth_mode = -1;
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
    // The TLS options as they are now (only tls+tcp and wss endpoints ask).
    virtual tls_settings current_tls() const { return {}; }
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
    // established: a dialer's connect succeeded (or an inproc connect paired);
    // accepted: a listener accepted a connection; dropped: an established
    // connection closed because its endpoint or socket closed (nn_shutdown,
    // nn_close); broken: an established connection ended by an error or by
    // the peer; the three errors: a failed connect, bind, accept.
    virtual void count_established() {}
    virtual void count_accepted() {}
    virtual void count_dropped() {}
    virtual void count_broken() {}
    virtual void count_connect_error() {}
    virtual void count_bind_error() {}
    virtual void count_accept_error() {}
    // Connects in flight (NN_STAT_INPROGRESS_CONNECTIONS): a dialer calls
    // started when it hands a connect to the OS and finished exactly once
    // when that connect completes, however it completes (success, error,
    // cancelled by close).
    virtual void count_connect_started() {}
    virtual void count_connect_finished() {}
    // Endpoints in an error state (NN_STAT_CURRENT_EP_ERRORS): an endpoint
    // calls this with true when it enters one (a dialer whose last attempt
    // failed, a listener whose last accept failed) and with false when it
    // leaves it (an attempt or accept succeeded, or the endpoint closes).
    // Only on changes, so every true is matched by one false before
    // endpoint_stopped.
    virtual void endpoint_error_state(bool in_error) { (void)in_error; }
    // Hostile or broken peers (the NANOPORT_STAT_* of nanoport/extensions.h).
    // A pipe whose handshake ends unfinished calls failed_handshake, and
    // before it rejected_greeting or handshake_timeout when that was why; a
    // pipe closed for a bad frame header calls oversized_message or
    // malformed_frame; a listener calls refused_connection for a connection
    // it closes at once (too many pending), and pending_connections_changed
    // with +1 and -1 as an accepted connection enters its handshake and
    // leaves it (completed, or the pipe freed), so the sum is always >= 0.
    virtual void count_failed_handshake() {}
    virtual void count_rejected_greeting() {}
    virtual void count_handshake_timeout() {}
    virtual void count_oversized_message() {}
    virtual void count_malformed_frame() {}
    virtual void count_tls_failure() {}
    virtual void count_ws_protocol_error() {}
    virtual void count_refused_connection() {}
    virtual void pending_connections_changed(int delta) { (void)delta; }

protected:
    ~socket_hooks() = default;
};

// NN_SNDPRIO and NN_RCVPRIO belong to an endpoint, as in nanomsg: they are
// read when bind/connect makes the endpoint, and every pipe it makes later
// keeps them, whatever the socket's options say by then.
struct endpoint_priorities {
    int send = 8;
    int receive = 8;

    static endpoint_priorities of(const socket_hooks& socket) {
        const pipe_options o = socket.current_options();
        return {o.send_priority, o.receive_priority};
    }
    // The socket's options as a pipe of this endpoint uses them.
    pipe_options applied_to(pipe_options o) const {
        o.send_priority = send;
        o.receive_priority = receive;
        return o;
    }
};

// Per-pipe state a protocol hangs on a pipe (its place in a round-robin list,
// a fair-queue slot). The protocol owns it; the pipe only carries it.
class pipe_attachment {
public:
    virtual ~pipe_attachment() = default;
};

// Counters of one pipe, for per-pipe statistics. Written inside the socket's
// ctx (by the transport as messages pass, by protocols when they drop one)
// and read there too.
struct pipe_counters {
    std::uint64_t messages_sent = 0;      // queued by send()
    std::uint64_t messages_received = 0;  // returned by receive()
    std::uint64_t bytes_sent = 0;         // SP header + body of those
    std::uint64_t bytes_received = 0;
    std::uint64_t dropped = 0;            // messages a protocol dropped because the pipe was full
};

class pipe {
public:
    pipe() noexcept;
    virtual ~pipe() = default;
    pipe(const pipe&) = delete;
    pipe& operator=(const pipe&) = delete;

    // Queues m for the peer, consuming it. Only call while the pipe is
    // writable: from pipe_added until send() returns false, and again after
    // pipe_writable. Returns false when the pipe is now full.
    virtual bool send(aio::message&& m) = 0;
    // The same for a message the caller keeps and hands to other pipes too
    // (fan-out). A pipe that copies small messages into its output then
    // takes no reference to the shared body (two locked operations on its
    // count per pipe); by default it is sent as a copy sharing the body.
    virtual bool send_shared(const aio::message& m) { return send(aio::message(m)); }

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

    // Messages from the peer arrive on the peer's own thread, inside its
    // send (inproc), not through a worker.
    virtual bool delivers_on_peer_thread() const { return false; }

    // The peer's SP protocol id from its greeting.
    virtual std::uint16_t peer_protocol() const = 0;
    // Priorities of the endpoint that made this pipe (lower number = preferred).
    virtual int send_priority() const = 0;
    virtual int receive_priority() const = 0;
    // Text for logs and statistics, e.g. "tcp://127.0.0.1:5555".
    virtual std::string describe() const = 0;

    // Unique in the process (never reused), for pipe events and statistics.
    std::uint64_t id() const noexcept { return id_; }

    std::unique_ptr<pipe_attachment> attachment;  // the protocol's state for this pipe
    pipe_counters counters;

protected:
    // For transports: one message accepted by send() / returned by receive().
    void count_sent(const aio::message& m) noexcept {
        ++counters.messages_sent;
        counters.bytes_sent += m.wire_size();
    }
    void count_received(const aio::message& m) noexcept {
        ++counters.messages_received;
        counters.bytes_received += m.wire_size();
    }

private:
    const std::uint64_t id_;
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
