// stream_pipe: one SP connection over a byte stream - the pipe of the tcp and
// ipc transports, which differ only in framing (ipc adds a type byte), and of
// tls+tcp (the tcp framing over a TLS layer).
//
// It is a state machine in its socket's ctx, driven by two worker_ops (in,
// out), a handshake timer and one task, all on the worker it was made on.
//
//   handshaking  with TLS, first the TLS handshake (the same deadline
//                covers both); then send our 8-byte greeting at once, read the peer's, under a
//                deadline; then validate it (magic, version, reserved bytes,
//                protocol-id compatibility). Exactly 8 bytes are read, into
//                the pipe itself: a connection that never completes its
//                greeting holds no buffer.
//   active       messages flow. In: read into a buffer (a chunk), deliver
//                every whole message in it as a slice of that chunk (no
//                allocation or copy per message); a big body is read straight
//                into its message.
//                The length is checked against NN_RCVMAXSIZE before anything
//                is allocated. Reading pauses while NN_RCVBUF bytes wait for
//                the protocol, each message counting as at least
//                received_queue::least_cost bytes (so that a flood of empty
//                messages is bounded too), and resumes when half of that is
//                taken. Out: the user's thread writes directly to the socket
//                when the pipe is idle and the thread's previous send is not
//                recent (a stream of sends writes only its first message
//                directly), or, over ipc, when the pipe is idle and the body
//                is at least a quarter of NN_SNDBUF;
//                otherwise send() copies the message's frame into a stage
//                (small bodies too; big ones are kept and written from where
//                they are) and the worker writes the stage in big batches.
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
// pipe object alone; after it, the read buffer (at most 256 KiB, or one
// message under 128 KiB), one body being read (at most NN_RCVMAXSIZE, and
// allocated as it arrives beyond its first MiB) and the queue of whole
// messages the protocol has not taken (NN_RCVBUF, see above). Queued messages
// are slices of earlier read buffers, which live as long as a slice does; a
// buffer is left behind only when at least 3/4 of it is used, so they hold at
// most about 4/3 of the queued bytes plus two buffers.
//
// Threads: the pipe interface is called inside the socket's ctx from any
// thread; I/O is started on the worker (the user thread's direct write being
// the one exception, made only while no write op is in flight, and never
// over TLS).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/ring_queue.hpp"
#include "aio/timer.hpp"
#include "aio/worker.hpp"
#include "aio/worker_op.hpp"
#include "transport/pipe.hpp"
#include "transport/sp_wire.hpp"
#include "transport/stream/connection.hpp"
#include "transport/stream/received_queue.hpp"
#include "transport/tls/tls.hpp"

namespace nanoport::transport {

class stream_pipe final : public connection, private aio::fsm {
public:
    // tls: null for tcp and ipc.
    stream_pipe(socket_hooks& socket, connection_parent& parent, aio::worker& w,
                aio::worker_op::stream&& s, sp_wire::framing framing,
                std::shared_ptr<const tls_config> tls, std::string description);
    ~stream_pipe() override;

    void start() override;
    void drop() override;
    bool stopped() const noexcept override { return state_ == state::stopped; }
    bool greeted() const noexcept override { return greeted_; }
    aio::worker& worker() const noexcept override { return *worker_; }

    bool send(aio::message&& m) override;
    bool send_shared(const aio::message& m) override;
    receive_result receive(aio::message& out) override;
    void close() override;
    bool flushed() const override { return fill_.empty() && flight_.empty() && out_op_.idle(); }
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
    enum source : int { source_task = 1, source_in, source_out, source_timer, source_resume };

    void handle(int source, int type, aio::worker_op* op) override;
    void on_task();
    void on_in_done();
    void on_out_done();
    void on_handshake_step();
    void start_greeting();
    void fail(const char* what, const std::error_code& ec = {});
    void close_as(ending why);
    void begin_close();
    void check_stopped();

    // In.
    void start_read();
    // Makes room for at least need unparsed bytes (and a read of a useful
    // size) in in_chunk_; false: no memory, the pipe failed.
    bool make_room(std::size_t need);
    bool parse_buffer(bool ignore_limit = false);
    // Reads on, or pauses when the received queue is at NN_RCVBUF.
    void read_or_pause();
    // n more bytes arrived after in_end_: parse them, then read on (or pause).
    void after_read(std::size_t n);
    // A paused read resumes on the receiving thread (resume_event_).
    void resume_reading();
    void on_peer_closed();
    void deliver(aio::message&& m);
    bool receive_full() const noexcept { return in_queue_.bytes() >= options_.receive_buffer; }

    // Out.
    // send() and send_shared(): owned is &m when the pipe may take m over,
    // null when it must copy what it keeps.
    bool send_message(const aio::message& m, aio::message* owned);
    bool try_direct_write(const aio::message& m, aio::message* owned);
    bool grow_body();  // false: no memory, the pipe failed
    void start_write_batch();
    void kick();

    socket_hooks* socket_;
    connection_parent* parent_;
    aio::worker* worker_;
    aio::worker_op::stream stream_;
    std::unique_ptr<tls_layer> tls_;  // over stream_; null without TLS
    sp_wire::framing framing_;
    std::string description_;
    pipe_options options_;
    std::uint64_t max_size_;

    aio::worker_op in_op_;
    aio::worker_op out_op_;
    aio::timer handshake_timer_;
    aio::task task_;
    aio::fsm_event resume_event_;  // raised by receive(): resume_reading() as the ctx is left

    state state_ = state::idle;
    bool added_ = false;             // pipe_added succeeded: pipe_removed owed
    bool close_requested_ = false;   // close() called; the worker acts on it
    bool closed_by_endpoint_ = false;  // drop() called: our endpoint closes us
    bool start_requested_ = false;   // start() called; the worker acts on it
    bool tls_pending_ = false;  // the TLS handshake is in flight (on in_op_)
    bool greeting_sent_ = false;
    bool greeting_received_ = false;
    bool greeted_ = false;
    std::uint16_t peer_id_ = 0;
    std::array<std::byte, sp_wire::greeting_size> greeting_out_{};
    std::array<std::byte, sp_wire::greeting_size> greeting_in_{};

    // In: bytes [in_begin_, in_end_) of the chunk in_chunk_ are not parsed
    // yet. Whole messages before in_begin_ are slices of the chunk that the
    // protocol (or the user) may still hold: the bytes before in_end_ are
    // never written again while the chunk is shared. While reading_body_, a
    // big body is being read straight into body_, body_filled_ bytes so far.
    aio::chunk_ref in_chunk_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    std::size_t in_capacity_next_ = 0;  // capacity of the next chunk
    std::size_t in_need_ = 0;  // bytes from in_begin_ the next message needs (0: unknown)
    aio::message body_;
    std::size_t body_filled_ = 0;
    std::size_t body_length_ = 0;  // what the header announced; body_ grows to it
    bool reading_body_ = false;
    bool read_paused_ = false;       // NN_RCVBUF reached; resume when drained
    bool draining_ = false;          // the peer closed: hand over what was read, then close
    received_queue in_queue_;

    // Out: the bytes not yet written, in order: what is left of flight_
    // (from flight_pos_ and flight_big_ on), then fill_. send() appends to
    // fill_: the frame header, SP header and a small body are copied into its
    // stage (so the sender's message goes at once, on the sender's thread,
    // and the worker touches no per-message memory), a big body is kept as a
    // message to write from where it is. The worker writes from flight_ and,
    // when that is all out, swaps the two.
    struct out_big {
        std::size_t stage_end = 0;  // written after the stage bytes before this
        aio::message body;
    };
    struct out_buffers {
        std::vector<std::byte> stage;
        aio::ring_queue<out_big> bigs;
        bool empty() const noexcept { return stage.empty() && bigs.empty(); }
        void clear() noexcept;
    };
    // Queues m's wire form past its first skip bytes: the frame, the header
    // and a small body are copied into the stage; a big body is kept, taken
    // over from *owned or else shared with m.
    void queue_output(const aio::message& m, std::size_t skip, aio::message* owned);
    bool output_waiting() const noexcept { return !fill_.empty() || !flight_.empty(); }
    out_buffers fill_;
    out_buffers flight_;
    std::size_t flight_pos_ = 0;      // stage bytes of flight_ written (or in the write in flight)
    std::size_t flight_big_ = 0;      // bigs of flight_ written (or in the write in flight)
    std::size_t out_bytes_ = 0;       // bytes queued and not yet written
    bool full_reported_ = false;      // send() returned false; pipe_writable owed
    std::array<asio::const_buffer, aio::worker_op::max_iov> iov_{};
};

}  // namespace nanoport::transport
