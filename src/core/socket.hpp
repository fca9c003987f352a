// socket: one SP socket, what nn_socket() returns a handle to. It owns the
// protocol (PAIR, PUSH, ...), the endpoints made by bind/connect, the options,
// the statistics and the readiness fds, and it is the transport::socket_hooks
// its pipes and endpoints report to.
//
// Locking. The socket's fsm_ctx is THE lock of everything below it: the
// protocol, every pipe and endpoint of the socket (they share the ctx, see
// transport/pipe.hpp), the options and the endpoint lists. User calls enter
// it; worker completions enter it; nothing here has a lock of its own except
// the wake_signals, which are only ever taken after the ctx (never the other
// way round).
//
// Blocking. send() and receive() try the protocol inside the ctx. When it
// says "would block" and the caller may wait, they note the generation of the
// matching wake_signal, leave the ctx, and sleep until the generation moves or
// the deadline (NN_SNDTIMEO / NN_RCVTIMEO) passes. The generation moves, from
// inside the ctx, when the protocol goes from cannot-send to can-send (resp.
// receive) after a pipe event, and when the socket closes or is terminated.
// Because the waiter reads the generation inside the ctx and every move
// happens inside the ctx, no wake-up is lost. (A condition_variable_any
// using the ctx as its lock would be shorter but wrong here: fsm_ctx::leave()
// delivers events to other ctxs after unlocking, which can come back into
// this socket and notify while the condvar's internal mutex is still held
// by the thread that is leaving - a self-deadlock.)
//
// Close. begin_close() (non-blocking) marks the socket closing, wakes blocked
// callers (they return EBADF), makes both readiness fds readable (a poller
// wakes and finds EBADF) and closes every endpoint. Each endpoint reports
// endpoint_stopped inside the ctx when nothing of it remains; the socket
// destroys it right after that call has returned (an fsm_event to the
// socket's own reaper, delivered before the ctx is left). wait_closed()
// blocks until all are gone; it returns after re-entering the ctx, so the
// thread that finished the last endpoint has released the ctx, and from then
// on nothing can enter it: the socket may be destroyed. NN_LINGER is stored
// but does not delay closing yet: queued outbound data is flushed only as
// far as the transports do it when their endpoint closes (issue: give
// endpoint::close a linger deadline so pipes drain first, bounded).
//
// Termination. terminate() (nn_term) makes every blocked and later call fail
// with ETERM and both readiness fds readable; the socket still has to be
// closed.
//
// Threads: every public member may be called from any thread, concurrently;
// the socket_table makes sure none is called once close has finished.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/message.hpp"
#include "aio/pool.hpp"
#include "core/eventfd.hpp"
#include "core/options.hpp"
#include "protocols/protocol.hpp"
#include "transport/pipe.hpp"

namespace nanoport::core {

// Makes the endpoint for a bind or connect: transport::make_endpoint in the
// library (see make_socket), a fake in unit tests. Called inside the ctx.
using endpoint_maker = std::error_code (*)(transport::socket_hooks& socket, const std::string& url,
                                           bool bind, std::unique_ptr<transport::endpoint>& out);

// nn_send/nn_recv flag: fail with EAGAIN rather than block (NN_DONTWAIT).
inline constexpr int dont_wait = 1;

// What a thread blocked in a socket sleeps on. The socket moves the
// generation (inside its ctx); the sleeper compares it with the one it saw
// (inside the ctx) before it left. A move that finds nobody asleep costs one
// atomic increment: no lock, no system call. On Linux the generation is
// itself the futex sleepers wait on (one system call to sleep, one to wake,
// and no mutex for a waker and a waking sleeper to meet on).
class wake_signal {
public:
    using deadline = std::optional<std::chrono::steady_clock::time_point>;

    std::uint32_t generation() const noexcept {
        return generation_.load(std::memory_order_seq_cst);
    }
    void wake();
    // Outside the ctx. True when the generation moved past `seen`, false when
    // the deadline passed first (no deadline: waits for ever). spin_for: how
    // long to watch the generation on the CPU before sleeping (nothing on a
    // machine with one CPU); a wake-up within it costs neither side a
    // system call, nor the sleeper the latency of being scheduled again.
    bool wait(std::uint32_t seen, const deadline& until, std::chrono::nanoseconds spin_for = {});
    // Threads inside wait() now.
    int sleepers() const noexcept { return sleepers_.load(std::memory_order_acquire); }

private:
    // wait()'s spin: true when the generation moved within limit.
    bool spin(std::uint32_t seen, std::chrono::nanoseconds limit, const deadline& until);

    // wake() moves generation_, then reads sleepers_; wait() counts itself
    // in sleepers_, then reads generation_; all sequentially consistent, so
    // one of the two sees the other: a waker that reads no sleeper has moved
    // the generation before any sleeper reads it.
    std::atomic<std::uint32_t> generation_{0};
    std::atomic<int> sleepers_{0};
#if !defined(__linux__)
    std::mutex mutex_;  // elsewhere: a condition variable, woken under this lock
    std::condition_variable cv_;
#endif
};

class socket final : public transport::socket_hooks, public protocols::protocol_host {
public:
    // domain: AF_SP or AF_SP_RAW; protocol_number: NN_PAIR, NN_PUSH, ...
    socket(int domain, int protocol_number, std::unique_ptr<protocols::protocol> protocol,
           aio::pool& workers, endpoint_maker make_endpoint);
    // Only after wait_closed() has returned (or if no endpoint was ever made).
    ~socket();
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;

    int domain() const noexcept { return domain_; }
    int protocol_number() const noexcept { return protocol_number_; }

    // nn_bind / nn_connect: id > 0 names the endpoint for remove_endpoint.
    std::error_code add_endpoint(const std::string& url, bool bind, int& id);
    // nn_shutdown: closes the endpoint in the background. EINVAL for an unknown id.
    std::error_code remove_endpoint(int id);

    // nn_send: on success m was consumed. flags: dont_wait.
    // EAGAIN (dont_wait), ETIMEDOUT (NN_SNDTIMEO, or timeout when given:
    // this call's own, negative = none), EBADF (closed meanwhile), ETERM
    // (core::errc::terminated), ENOTSUP (a socket type that cannot send).
    std::error_code send(aio::message& m, int flags,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt);
    // nn_recv: the same, for receiving into m.
    std::error_code receive(aio::message& m, int flags,
                            std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    // Pipe events (the C++ API's on_pipe_event): the observer is told about
    // every pipe the protocol accepted and every such pipe that went away.
    // It runs on a worker thread, outside the ctx, one call at a time and in
    // order; wait_closed() waits for a call in progress. Null: no events.
    struct pipe_event {
        bool added;            // false: removed
        std::uint64_t pipe;    // transport::pipe::id()
        std::string address;   // transport::pipe::describe()
    };
    using pipe_observer = std::function<void(const pipe_event&)>;
    void set_pipe_observer(pipe_observer observer);

    // The counters of every pipe the protocol holds now.
    struct pipe_snapshot {
        std::uint64_t id;
        std::string address;
        transport::pipe_counters counters;
    };
    std::vector<pipe_snapshot> pipe_statistics();

    // nn_setsockopt / nn_getsockopt, every level. get: at most value.size()
    // bytes are written; size is set to the option's full size.
    std::error_code set_option(int level, int option, std::span<const std::byte> value);
    std::error_code get_option(int level, int option, std::span<std::byte> value,
                               std::size_t& size);
    // The fd behind NN_SNDFD (for_send) or NN_RCVFD, created on first use.
    // ENOPROTOOPT for a socket type that never sends (receives).
    std::error_code readiness_fd(bool for_send, int& fd);

    // nn_get_statistic. nullopt for an unknown statistic id.
    std::optional<std::uint64_t> statistic(int id) const noexcept;

    // Calls blocked in send() or receive() right now (tests, diagnostics).
    int sleeping_callers() const noexcept {
        return send_signal_.sleepers() + receive_signal_.sleepers();
    }

    // NN_SOCKET_NAME's default (the handle), set by the socket table.
    void set_default_name(std::string name);

    // See the header comment.
    void begin_close();
    void wait_closed();
    void terminate();

    // socket_hooks (inside the ctx).
    aio::fsm_ctx& ctx() override { return ctx_; }
    std::uint16_t protocol_id() const override;
    bool accepts_peer(std::uint16_t peer_id) const override;
    transport::pipe_options current_options() const override;
    transport::tls_settings current_tls() const override;
    aio::pool& workers() override { return workers_; }
    std::error_code pipe_added(transport::pipe& p) override;
    void pipe_removed(transport::pipe& p) override;
    void pipe_readable(transport::pipe& p) override;
    void pipe_writable(transport::pipe& p) override;
    void pipe_flushed(transport::pipe& p) override;
    void endpoint_stopped(transport::endpoint& e) override;
    void count_established() override;
    void count_accepted() override;
    void count_dropped() override;
    void count_broken() override;
    void count_connect_error() override;
    void count_bind_error() override;
    void count_accept_error() override;
    void count_connect_started() override;
    void count_connect_finished() override;
    void endpoint_error_state(bool in_error) override;
    void count_failed_handshake() override;
    void count_rejected_greeting() override;
    void count_handshake_timeout() override;
    void count_oversized_message() override;
    void count_malformed_frame() override;
    void count_tls_failure() override;
    void count_ws_protocol_error() override;
    void count_refused_connection() override;
    void pending_connections_changed(int delta) override;

    // protocol_host (inside the ctx): timers of REQ, SURVEYOR, ...
    aio::worker& timer_worker() override;
    void readiness_changed() override;

private:
    // Transitions: active -> closing (begin_close); closing -> closed (the
    // last endpoint is destroyed, or at once when there was none). terminate()
    // is a flag beside the state: a terminated socket is still closed later.
    enum class state {
        active,   // in use
        closing,  // begin_close() ran: calls fail with EBADF, endpoints are stopping
        closed,   // every endpoint stopped and was destroyed: the socket may be freed
    };

    // Destroys endpoints once they reported endpoint_stopped (never from
    // inside that call): an fsm of the socket's ctx that the socket raises
    // an event at.
    class reaper final : public aio::fsm {
    public:
        reaper(aio::fsm_ctx& c, socket& s) noexcept : aio::fsm(c), socket_(s) {}
        aio::fsm_event event;

    private:
        void handle(int source, int type, aio::worker_op* op) override;
        socket& socket_;
    };

    class ctx_guard;

    std::error_code usable() const;  // EBADF when closing, ETERM when terminated
    void refresh_readiness();        // after anything that may change can_send/can_receive
    void reap();
    void check_closed();
    void close_endpoints();           // closing: after the linger, stop every endpoint
    bool all_flushed() const;         // no pipe still holds messages we sent
    wake_signal::deadline deadline_after(int timeout_ms) const;
    void queue_pipe_event(const transport::pipe& p, bool added);
    void deliver_pipe_events();  // on a worker, outside the ctx

    const int domain_;
    const int protocol_number_;
    aio::fsm_ctx ctx_;
    std::unique_ptr<protocols::protocol> protocol_;
    aio::pool& workers_;
    endpoint_maker make_endpoint_;
    reaper reaper_{ctx_, *this};

    // Everything below: guarded by ctx_.
    state state_ = state::active;
    bool terminated_ = false;
    options options_;
    int next_endpoint_id_ = 1;
    std::map<int, std::unique_ptr<transport::endpoint>> endpoints_;  // by nn_bind/nn_connect id
    std::vector<std::unique_ptr<transport::endpoint>> stopping_;     // closed, not yet stopped
    std::vector<std::unique_ptr<transport::endpoint>> stopped_;      // stopped, to be destroyed
    std::unordered_set<transport::pipe*> pipes_;  // pipes the protocol accepted (remove() is owed)
    std::size_t io_pipes_ = 0;    // those of pipes_ that a worker feeds (all but inproc)
    bool sent_last_ = false;      // the last successful send/receive was a send
    bool can_send_ = false;                       // protocol_->can_send() when last looked
    bool can_receive_ = false;                    // protocol_->can_receive() when last looked
    bool fds_forced_ = false;                     // closing/terminated: both fds stay readable
    eventfd send_fd_;
    eventfd receive_fd_;

    wake_signal send_signal_;     // can_send_ became true, or closing/terminated
    wake_signal receive_signal_;  // can_receive_ became true, or closing/terminated
    wake_signal closed_signal_;   // state_ became closed
    wake_signal flush_signal_;    // a pipe flushed or went away (linger)
    aio::worker* timer_worker_ = nullptr;  // bound on first use, for protocol timers
    bool endpoints_closing_ = false;       // close_endpoints() ran
    pipe_observer observer_;                 // null: no pipe events wanted
    std::vector<pipe_event> pending_events_;  // for deliver_pipe_events()
    bool delivering_events_ = false;         // deliver_pipe_events() is posted or running
    wake_signal delivered_signal_;           // delivering_events_ became false

    // Statistics: written inside the ctx (or by a user call), read by anyone.
    // See statistic() in socket.cpp for what each one counts.
    struct counters {
        std::atomic<std::uint64_t> established{0}, accepted{0}, dropped{0}, broken{0},
            connect_errors{0}, bind_errors{0}, accept_errors{0}, current_connections{0},
            connects_in_progress{0}, endpoints_in_error{0}, messages_sent{0}, messages_received{0},
            bytes_sent{0}, bytes_received{0}, failed_handshakes{0}, rejected_greetings{0},
            handshake_timeouts{0}, oversized_messages{0}, malformed_frames{0},
            refused_connections{0}, pending_connections{0}, tls_failures{0},
            ws_protocol_errors{0},
            protocol_dropped{0};  // copied from the protocol with the readiness
        std::atomic<int> send_priority{0};  // protocol_->current_send_priority(), refreshed
                                            // with the readiness
    } stats_;
};

// The socket nn_socket() makes: the protocol from protocols::make_protocol,
// endpoints from transport::make_endpoint, the default worker pool.
// EAFNOSUPPORT for an unknown domain, EINVAL for an unknown protocol,
// ENOMEM, or the pool's error when its workers cannot start.
std::error_code make_socket(int domain, int protocol_number, std::unique_ptr<socket>& out);

// Whether a socket type can ever send / receive (nanomsg's NOSEND / NORECV
// socket types: PULL and SUB never send, PUSH and PUB never receive).
bool protocol_sends(int protocol_number) noexcept;
bool protocol_receives(int protocol_number) noexcept;

}  // namespace nanoport::core
