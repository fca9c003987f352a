// stream_dialer: a connected (nn_connect) tcp or ipc endpoint. It keeps one
// pipe to its peer: it connects (resolving the host name off the worker's
// thread first, for tcp), runs the pipe while it lives, and after a failed
// attempt or a lost pipe waits and tries again, with randomised exponential
// back-off from NN_RECONNECT_IVL up to NN_RECONNECT_IVL_MAX. For statistics it
// reports each OS connect while it is in flight, and that it is in an error
// state from a failed attempt until an attempt succeeds or it closes.
//
// Threads: created and closed inside the socket's ctx; all its I/O runs on its
// own worker, which its pipes share.
#pragma once

#include <asio/generic/stream_protocol.hpp>
#include <asio/ip/tcp.hpp>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/handler_memory.hpp"
#include "aio/timer.hpp"
#include "aio/worker.hpp"
#include "transport/address.hpp"
#include "transport/pipe.hpp"
#include "transport/stream/stream_listener.hpp"
#include "transport/stream/connection.hpp"

namespace nanoport::transport {

class stream_dialer final : public endpoint, private aio::fsm, private connection_parent {
public:
    // For tcp, target is the parsed address (host, port, optional local
    // interface, already resolved to `local`); for ipc, target.path.
    static std::unique_ptr<endpoint> open(socket_hooks& socket, stream_kind kind,
                                          connection_setup setup, transport::address target,
                                          std::optional<asio::generic::stream_protocol::endpoint> local);
    ~stream_dialer() override;

    void close() override;
    const std::string& address() const override { return target_.raw; }

private:
    enum class state {
        connecting,  // resolving or connecting
        connected,   // a pipe is running
        waiting,     // reconnect timer running
        closing,     // waiting for the resolver, connect, timer, task and pipe
        stopped,     // endpoint_stopped reported
    };
    enum source : int { source_task = 1, source_timer, source_reap };
    struct connect_completion;
    struct resolve_completion;

    stream_dialer(socket_hooks& socket, stream_kind kind, connection_setup setup,
                  transport::address target,
                  std::optional<asio::generic::stream_protocol::endpoint> local);
    void handle(int source, int type, aio::worker_op* op) override;
    void pipe_stopped(connection& p) override;
    endpoint_priorities priorities() const override { return priorities_; }
    void begin_connect();
    void connect_to(const asio::generic::stream_protocol::endpoint& ep);
    void on_resolved(const std::error_code& ec, const asio::ip::tcp::resolver::results_type& results);
    void on_connected(const std::error_code& ec);
    void retry_later();
    void set_in_error(bool in_error);
    void check_stopped();

    socket_hooks* socket_;
    const endpoint_priorities priorities_;  // NN_SNDPRIO/NN_RCVPRIO when made
    stream_kind kind_;
    connection_setup setup_;
    transport::address target_;
    std::optional<asio::generic::stream_protocol::endpoint> local_;
    aio::worker* worker_;
    aio::worker_op::stream stream_;
    asio::ip::tcp::resolver resolver_;
    aio::task task_;
    aio::timer reconnect_timer_;
    aio::fsm_event reap_event_;
    aio::handler_slot connect_memory_;
    std::minstd_rand random_;

    state state_ = state::connecting;
    bool resolve_busy_ = false;
    bool connect_busy_ = false;
    int current_interval_ms_ = 0;  // back-off: next wait, before randomisation
    bool in_error_ = false;        // the last attempt failed (NN_STAT_CURRENT_EP_ERRORS)
    std::unique_ptr<connection> pipe_;
};

}  // namespace nanoport::transport
