// inproc_pipe: one half of an inproc pipe, and the inproc_link its two halves
// share. Private to the inproc transport (inproc.cpp makes them; the unit test
// looks at dropped_messages()).
//
// An inproc pipe joins two sockets of one process. Each socket gets its own
// half: an inproc_pipe that lives in that socket's ctx and calls that socket's
// hooks only. The halves share an inproc_link (held by std::shared_ptr): one
// small mutex guarding a message queue per direction, the flow-control flags
// and one kick event per half.
//
// Handing a message over: the sending half, inside its own socket's ctx, takes
// the link's mutex and moves the message (its body is shared, never copied)
// onto the receiving side's queue. If the receiving half was waiting for data
// it is kicked: an fsm_event aimed at it, delivered inside the receiving
// socket's ctx after the sender's ctx is left, on the sender's thread. So no
// thread ever holds two sockets' ctxs (two sockets sending to each other at
// once cannot deadlock), and no socket is ever called with the link's mutex
// held.
//
// A kick carries nothing: its handler reads what changed from the link's flags
// (readable, writable, closed). A kick already queued is not raised again, and
// its handler still sees every change: flags are set under the mutex before
// active() is read, and a delivery clears active() before its handler takes the
// mutex. Raising any kick needs the link's mutex, and the half it targets must
// still be attached (side_state::half); so a half that has detached itself
// waits only for a kick already in flight, then it may be freed.
//
// States of a half:
//   idle      made, not yet attached to its link (a bound half whose offer
//             vanished is freed in this state)
//   offered   the connecting half, attached; the bound socket has not answered
//   active    added to its socket (pipe_added was called); messages flow
//   closing   detached from the link; waiting until no event aimed at it is
//             queued (its own finish event, the last kick)
//   stopped   nothing refers to it: its parent (the endpoint) frees it
//
// Transitions:
//   idle    -> offered   offer()            connecting side, before the link is
//                                           shown to the bound endpoint
//   idle    -> active    accept()           bound side, its socket accepted the peer
//   offered -> active    kick, link open    the bound side accepted and is added
//   offered -> closing   kick, link closed  refused, or the bound side went away
//   active  -> closing   close(), or kick with the link closed (the peer left)
//   closing -> stopped   its finish event or last kick was handled
//
// Decisions, with their reasons:
// - Flow control counts header + body bytes (what the wire would carry). The
//   receiver buffers up to its NN_RCVBUF (read from its socket when its half
//   is made); the send that reaches or passes that mark returns false ("full"),
//   so one message always fits, however big. The sender is told pipe_writable
//   once the receiver has taken enough that at most half of the buffer is used:
//   the hysteresis keeps a saturated pipe from paying one cross-socket event
//   per message.
// - NN_RCVMAXSIZE (the receiver's): a larger message is dropped when it is
//   sent, counted on the receiving half (dropped_messages()) and logged; the
//   pipe stays up and the send counts as accepted. (Over tcp/ipc the length
//   check drops the connection; inproc has no framing to lose sync with.)
// - When one half closes, the messages it had not received go with it, but
//   what it sent stays readable by the other half: that half, told by a kick
//   that the link is closed, still reports pipe_readable and hands its queue
//   over, and closes itself once receive() has taken the last message (at
//   once if the queue was empty). So a PUSH that sends and closes at once
//   loses nothing over inproc either (NN_LINGER; nanomsg drops these). From
//   the moment the link is closed, send() accepts and drops.
// - pipe_removed follows pipe_added (whatever pipe_added answered); a half
//   that was never added is never reported.
//
// Threads: every member function runs inside its own socket's ctx, except the
// link's fields, which are touched by both halves under the link's mutex. Lock
// order: the registry's mutex (inproc.cpp) may be held while taking a link's
// mutex, never the reverse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/message.hpp"
#include "transport/pipe.hpp"

namespace nanoport::transport {

class inproc_pipe;

// The two sides of an inproc link.
inline constexpr int bound_side = 0;       // the half in the socket that bound the name
inline constexpr int connecting_side = 1;  // the half in the socket that connected

// A FIFO of messages in one ring buffer that grows by doubling: after warming
// up to its working depth it allocates nothing per message.
class message_ring {
public:
    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }
    void push(aio::message&& m);
    // The oldest message. Only when not empty.
    aio::message pop() noexcept;
    void swap(message_ring& other) noexcept;

private:
    std::vector<aio::message> slots_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

// What the two halves of one inproc pipe share. Made by the connecting
// endpoint; its fields are inproc_pipe's business.
class inproc_link {
public:
    // address: the url both endpoints used; bind_generation: which bind of
    // the name the connecting side paired with.
    inproc_link(std::string address, std::uint64_t bind_generation, std::uint16_t bound_protocol,
                std::uint16_t connecting_protocol);
    inproc_link(const inproc_link&) = delete;
    inproc_link& operator=(const inproc_link&) = delete;

    const std::string& address() const noexcept { return address_; }
    std::uint64_t bind_generation() const noexcept { return bind_generation_; }
    std::uint16_t protocol(int side) const noexcept { return sides_[side].protocol; }

private:
    friend class inproc_pipe;

    enum class status {
        offered,  // only the connecting half exists; the bound endpoint has not answered
        open,     // both halves attached; messages flow
        closed,   // refused, or a half detached: nothing flows any more
    };

    // One side: the half there and what is addressed to it. Guarded by mutex_
    // except protocol (immutable) and kick (raised under mutex_, cleared by
    // the ctx delivering it).
    struct side_state {
        inproc_pipe* half = nullptr;         // attached half; null before attach and after detach
        std::uint16_t protocol = 0;          // its socket's SP protocol id
        message_ring queue;                  // messages sent to this side, not yet received
        std::size_t queued_bytes = 0;        // header + body bytes in queue
        std::size_t receive_buffer = 0;      // this side's NN_RCVBUF
        std::int64_t receive_max_size = -1;  // this side's NN_RCVMAXSIZE; -1 = unlimited
        bool reader_waiting = true;          // its last receive found the queue empty
        bool writer_blocked = false;         // its last send found the peer's queue full
        bool notify_readable = false;        // tell it pipe_readable at its next kick
        bool notify_writable = false;        // tell it pipe_writable at its next kick
        std::uint64_t dropped = 0;           // messages to this side above its NN_RCVMAXSIZE
        aio::fsm_event kick;                 // aimed at half
    };

    const std::string address_;
    const std::uint64_t bind_generation_;
    std::mutex mutex_;
    status status_ = status::offered;
    bool incompatible_ = false;  // closed because the bound socket refused the connecting protocol
    side_state sides_[2];
};

// The endpoint that made a half: told when the half has stopped; frees it
// afterwards, never from inside pipe_stopped.
class inproc_pipe_parent {
public:
    virtual void pipe_stopped(inproc_pipe& p) = 0;
    // The endpoint's priorities, which the pipe takes over.
    virtual endpoint_priorities priorities() const = 0;

protected:
    ~inproc_pipe_parent() = default;
};

class inproc_pipe final : public pipe, private aio::fsm {
public:
    // A half for side of link, in socket's ctx. Options (buffer, size limit)
    // are read from the socket now, priorities from the parent endpoint.
    inproc_pipe(socket_hooks& socket, inproc_pipe_parent& parent, std::shared_ptr<inproc_link> link,
                int side);
    ~inproc_pipe() override;

    // Connecting side: attaches this half to its fresh link, before the link
    // is handed to the bound endpoint.
    void offer();
    // Bound side: answers the link's offer with this half, then adds the half
    // to its socket. False when the connecting half has gone already: this
    // half was never attached and may be freed at once.
    bool accept();
    // Bound side: closes an offered link without a bound half (the bound
    // socket refuses the connecting protocol, or the bound endpoint closes).
    // Inside the bound socket's ctx, from.
    static void refuse(inproc_link& link, aio::fsm_ctx& from, bool incompatible);

    // Nothing refers to this half any more: its parent may free it.
    bool stopped() const noexcept { return state_ == state::stopped; }
    // pipe_added was called and said yes.
    bool accepted_by_socket() const noexcept { return accepted_; }
    // The bound socket refused the connecting socket's protocol.
    bool refused_as_incompatible() const;
    const inproc_link& link() const noexcept { return *link_; }
    // Messages sent to this half that were dropped for exceeding its NN_RCVMAXSIZE.
    std::uint64_t dropped_messages() const;

    bool send(aio::message&& m) override;
    receive_result receive(aio::message& out) override;
    void close() override;
    bool delivers_on_peer_thread() const override { return true; }
    // close() on behalf of the endpoint that is closing (nn_shutdown,
    // nn_close): a pipe the socket accepted counts as dropped
    // (NN_STAT_DROPPED_CONNECTIONS), unless it was closed already.
    void drop();
    std::uint16_t peer_protocol() const override { return link_->protocol(1 - side_); }
    int send_priority() const override { return options_.send_priority; }
    int receive_priority() const override { return options_.receive_priority; }
    std::string describe() const override { return link_->address(); }

private:
    enum class state { idle, offered, active, closing, stopped };

    // Event sources.
    static constexpr int source_kick = 1;    // the link changed (raised by the other side)
    static constexpr int source_finish = 2;  // close() was called (raised by this half)

    void handle(int source, int type, aio::worker_op* op) override;
    // Offered half, kicked: the bound side answered.
    void on_answer();
    // Calls pipe_added and then reports what happened meanwhile.
    void add_to_socket(bool bound);
    // Active half: reports the link's changes to the socket.
    void report_changes();
    // Detaches this half from the link: nothing is raised at it from now on.
    void detach();
    bool has_queued() const;                 // messages wait for us
    receive_result take(aio::message& out);  // receive() without the closing
    void finish();
    // Kicks the half on side of link (if attached and not kicked already).
    // With link.mutex_ held, inside from.
    static void kick_locked(inproc_link& link, int side, aio::fsm_ctx& from);

    socket_hooks& socket_;
    inproc_pipe_parent& parent_;
    const std::shared_ptr<inproc_link> link_;
    const int side_;
    const pipe_options options_;
    state state_ = state::idle;
    bool added_ = false;     // pipe_added was called (so pipe_removed is owed)
    bool accepted_ = false;  // and it returned no error
    bool peer_gone_ = false;           // the peer half went away (we drain, then close)
    bool closed_by_endpoint_ = false;  // closed by drop(): our endpoint is closing
    aio::fsm_event finish_event_;
};

}  // namespace nanoport::transport
