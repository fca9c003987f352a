// stream_listener: a bound tcp, ipc, tls+tcp, ws or wss endpoint. It accepts
// connections on its worker, hands each to a connection (make_connection,
// by its connection_setup) bound to the least-loaded worker, and
// frees those pipes when they stop. An accept error other than cancellation
// (EMFILE, ENFILE, ...) is counted and retried after a short pause rather than
// spinning; the listener is in an error state (NN_STAT_CURRENT_EP_ERRORS)
// from then until an accept succeeds or it closes.
//
// A ws listener may share its port with ws listeners of other sockets, each
// on its own path (ws_routes): only the first binds; the others receive
// their connections from it, and its listening socket when it closes.
//
// Pending connections: those accepted whose pipe has not completed its
// handshake. A peer can open them at no cost to itself, so the listener holds
// at most NANOPORT_MAX_PENDING_CONNECTIONS of them (read at each accept);
// beyond it a new connection is closed at once and counted as refused. It
// stays pending until its handshake completes or its pipe is freed.
//
// Threads: created and closed inside the socket's ctx; all its I/O runs on its
// own worker.
#pragma once

#include <asio/generic/stream_protocol.hpp>
#include <asio/basic_socket_acceptor.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/handler_memory.hpp"
#include "aio/timer.hpp"
#include "aio/worker.hpp"
#include "transport/pipe.hpp"
#include "transport/stream/connection.hpp"
#include "transport/ws/ws_routes.hpp"

namespace nanoport::transport {

enum class stream_kind { tcp, ipc };

class stream_listener final : public endpoint, private aio::fsm, private connection_parent {
public:
    using acceptor_type = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

    // Binds and listens on ep now, so that bind errors (EADDRINUSE, EACCES,
    // ...) are returned here; then accepts in the background. For ipc,
    // unlink_path is the socket file to remove when the listener closes, and
    // permissions (0..0777; -1: leave them) are given to it between bind and
    // listen, so nobody can connect while it still has the umask's mode.
    static std::error_code open(socket_hooks& socket, stream_kind kind, connection_setup setup,
                                const asio::generic::stream_protocol::endpoint& ep,
                                std::string url, std::string unlink_path, int permissions,
                                std::unique_ptr<endpoint>& out);
    ~stream_listener() override;

    void close() override;
    const std::string& address() const override { return url_; }

private:
    enum class state {
        active,   // accepting
        closing,  // acceptor closed; waiting for the accept, timer, task and pipes
        stopped,  // endpoint_stopped reported
    };
    // Accept completions come through accept_completion, not as events.
    enum source : int { source_task = 1, source_retry, source_reap };
    struct accept_completion;

    stream_listener(socket_hooks& socket, stream_kind kind, connection_setup setup, std::string url,
                    std::string unlink_path);
    void handle(int source, int type, aio::worker_op* op) override;
    void pipe_stopped(connection& p) override;
    void pipe_greeted(connection& p) override;
    endpoint_priorities priorities() const override { return priorities_; }
    void change_pending(int delta);
    void start_accept();
    void take_handovers();
    void adopt(ws_route::handover&& h);
    void on_accepted(const std::error_code& ec);
    void reap();
    void set_in_error(bool in_error);
    void check_stopped();

    socket_hooks* socket_;
    const endpoint_priorities priorities_;  // NN_SNDPRIO/NN_RCVPRIO when made
    stream_kind kind_;
    connection_setup setup_;
    std::string url_;
    std::string unlink_path_;
    aio::worker* worker_;
    acceptor_type acceptor_;
    aio::task task_;
    aio::timer retry_timer_;
    aio::fsm_event reap_event_;
    aio::handler_slot accept_memory_;

    state state_ = state::active;
    bool accept_busy_ = false;
    bool in_error_ = false;  // the last accept failed (NN_STAT_CURRENT_EP_ERRORS)
    aio::worker* accept_worker_ = nullptr;  // binding for the connection being accepted
    std::optional<aio::worker_op::stream> accepted_;
    std::error_code accept_error_;
    std::vector<std::unique_ptr<connection>> pipes_;
    // ws: the route others hand this listener's connections to, and whether
    // this listener bound the port (else it shares an owner's; ws_routes).
    std::shared_ptr<ws_route> route_;
    bool port_owner_ = true;
    int pending_ = 0;  // pipes_ whose handshake has not completed
};

}  // namespace nanoport::transport
