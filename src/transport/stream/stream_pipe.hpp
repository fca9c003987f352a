// stream_pipe: one SP connection over a byte stream - the pipe of the tcp and
// ipc transports, which differ only in framing (ipc adds a type byte).
//
// It is a state machine in its socket's ctx, driven by two worker_ops (in,
// out), a handshake timer and one task, all on the worker it was made on.
//
//   handshaking  send our 8-byte greeting at once, read the peer's, under a
//                deadline; then validate it (magic, version, reserved bytes,
//                protocol-id compatibility). Exactly 8 bytes are read, into
//                the pipe itself: a connection that never completes its
//                greeting holds no buffer.
//   active       messages flow. In: read into a buffer, deliver every whole
//                message in it; a big body is read straight into its message.
//                The length is checked against NN_RCVMAXSIZE before anything
//                is allocated. Reading pauses while NN_RCVBUF bytes wait for
//                the protocol, each message counting as at least
//                queued_message_cost bytes (so that a flood of empty
//                messages is bounded too). Out: the user's thread writes directly to the
//                socket when the pipe is idle and its last direct write is not
//                recent (a burst writes its first message directly); otherwise
//                messages queue and the worker writes them in batches (small
//                ones coalesced into one staging buffer, big bodies gathered
//                from where they are).
//                When the peer closes, messages already read are still
//                handed to the protocol before the pipe goes (nothing that
//                arrived is lost); then it closes.
//   closing      the socket is closed; waiting for ops, timer and task to finish
//   stopped      nothing refers to the pipe; its parent frees it
//
// A peer fault (bad greeting, bad length or type byte, reset, EOF) closes this
// pipe only, with a log line and a counter; it never asserts.
//
// Memory a peer can make a pipe hold: before the handshake completes, the
// pipe object alone; after it, the read buffer (at most 64 KiB, or one small
// message), one body being read (at most NN_RCVMAXSIZE, and allocated as it
// arrives beyond its first MiB) and the queue of whole messages the protocol
// has not taken (NN_RCVBUF, see above).
//
// Threads: the pipe interface is called inside the socket's ctx from any
// thread; I/O is started on the worker (the user thread's direct write being
// the one exception, made only while no write op is in flight).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/timer.hpp"
#include "aio/worker.hpp"
#include "aio/worker_op.hpp"
#include "transport/pipe.hpp"
#include "transport/sp_wire.hpp"

namespace nanoport::transport {

class stream_pipe;

// The endpoint that made a stream_pipe: told when the pipe has stopped, and
// frees it afterwards (never from inside pipe_stopped).
class stream_pipe_parent {
public:
    virtual void pipe_stopped(stream_pipe& p) = 0;
    // The endpoint's priorities, which the pipe takes over.
    virtual endpoint_priorities priorities() const = 0;
    // The pipe's handshake completed (at most once; a pipe that never
    // completes it just stops).
    virtual void pipe_greeted(stream_pipe& p) { (void)p; }

protected:
    ~stream_pipe_parent() = default;
};

class stream_pipe final : public pipe, private aio::fsm {
public:
    stream_pipe(socket_hooks& socket, stream_pipe_parent& parent, aio::worker& w,
                aio::worker_op::stream&& s, sp_wire::framing framing, std::string description);
    ~stream_pipe() override;

    // Begins the handshake. Inside the socket's ctx.
    void start();
    // close() on behalf of the endpoint that is closing (nn_shutdown,
    // nn_close): an established connection counts as dropped
    // (NN_STAT_DROPPED_CONNECTIONS). Inside the socket's ctx.
    void drop();
    // Nothing refers to the pipe any more: its parent may free it.
    bool stopped() const noexcept { return state_ == state::stopped; }
    // The handshake completed once (the pipe may have closed since).
    bool greeted() const noexcept { return greeted_; }
    aio::worker& worker() const noexcept { return *worker_; }

    bool send(aio::message&& m) override;
    receive_result receive(aio::message& out) override;
    void close() override;
    bool flushed() const override { return out_queue_.empty() && out_op_.idle(); }
    std::uint16_t peer_protocol() const override { return peer_id_; }
    int send_priority() const override { return options_.send_priority; }
    int receive_priority() const override { return options_.receive_priority; }
    std::string describe() const override { return description_; }

private:
    enum class state {
        idle,         // made, start() not yet called
        handshaking,  // greetings in flight, deadline running
        active,       // added to the socket; messages flow
        closing,      // socket closed; ops, timer or task still outstanding
        stopped,      // nothing outstanding; the parent may free the pipe
    };
    enum source : int { source_task = 1, source_in, source_out, source_timer };

    void handle(int source, int type, aio::worker_op* op) override;
    void on_task();
    void on_in_done();
    void on_out_done();
    void on_handshake_step();
    void fail(const char* what, const std::error_code& ec = {});
    // Why an added pipe ended, for the statistics: the peer or an error
    // (broken), our endpoint closing (dropped), or our protocol (neither).
    enum class ending { broken, dropped, uncounted };
    void close_as(ending why);
    void begin_close();
    void check_stopped();

    // In.
    void start_read();
    bool parse_buffer(bool ignore_limit = false);
    void on_peer_closed();
    void deliver(aio::message&& m);
    bool receive_full() const noexcept { return in_bytes_ >= options_.receive_buffer; }
    static std::size_t queued_cost(const aio::message& m) noexcept;

    // Out.
    bool try_direct_write(aio::message& m);
    bool grow_body();  // false: no memory, the pipe failed
    // Bytes m takes on the wire: frame header, SP header, body.
    std::size_t queued_size(const aio::message& m) const noexcept {
        return sp_wire::header_size(framing_) + m.wire_size();
    }
    void start_write_batch();
    void kick();

    socket_hooks* socket_;
    stream_pipe_parent* parent_;
    aio::worker* worker_;
    aio::worker_op::stream stream_;
    sp_wire::framing framing_;
    std::string description_;
    pipe_options options_;
    std::uint64_t max_size_;

    aio::worker_op in_op_;
    aio::worker_op out_op_;
    aio::timer handshake_timer_;
    aio::task task_;

    state state_ = state::idle;
    bool added_ = false;             // pipe_added succeeded: pipe_removed owed
    bool close_requested_ = false;   // close() called; the worker acts on it
    bool closed_by_endpoint_ = false;  // drop() called: our endpoint closes us
    bool start_requested_ = false;   // start() called; the worker acts on it
    bool greeting_sent_ = false;
    bool greeting_received_ = false;
    bool greeted_ = false;
    std::uint16_t peer_id_ = 0;
    std::array<std::byte, sp_wire::greeting_size> greeting_out_{};
    std::array<std::byte, sp_wire::greeting_size> greeting_in_{};

    // In: buffer [in_begin_, in_end_) holds unparsed bytes. While body_ is set,
    // a big body is being read straight into it, body_filled_ bytes so far.
    std::vector<std::byte> in_buffer_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    aio::message body_;
    std::size_t body_filled_ = 0;
    std::size_t body_length_ = 0;  // what the header announced; body_ grows to it
    bool reading_body_ = false;
    bool read_paused_ = false;       // NN_RCVBUF reached; resume when drained
    bool draining_ = false;          // the peer closed: hand over what was read, then close
    std::deque<aio::message> in_queue_;
    std::size_t in_bytes_ = 0;       // queued_cost() of the messages in in_queue_
    bool readable_reported_ = false;  // the protocol knows a message waits

    // Out: out_queue_ holds messages not yet fully written; the first
    // out_sent_ bytes of the front one's wire form are already out.
    std::deque<aio::message> out_queue_;
    std::size_t out_bytes_ = 0;
    std::size_t out_sent_ = 0;
    std::size_t batch_messages_ = 0;  // whole messages the write in flight finishes
    bool full_reported_ = false;      // send() returned false; pipe_writable owed
    std::chrono::steady_clock::time_point last_direct_write_{};  // see direct_write_gap
    std::vector<std::byte> staging_;
    std::array<asio::const_buffer, aio::worker_op::max_iov> iov_{};
};

}  // namespace nanoport::transport
