// ws_pipe: one SP connection over WebSocket (ws://, and wss:// with a TLS
// layer under it) - the SP WebSocket mapping of ws_wire.hpp.
//
// It is a state machine in its socket's ctx, driven by two worker_ops (in,
// out), a handshake timer and one task, all on the worker it was made on,
// like stream_pipe:
//
//   handshaking  TLS first for wss; then the HTTP upgrade. A dialer writes
//                its request and reads the answer; a listener reads the
//                request (at most ws_wire::max_head_size bytes), checks path,
//                version and subprotocol, and answers 101 or an HTTP error
//                (then closes). A request for the path of another listener
//                on the same port is handed to that listener (ws_routes),
//                and this pipe ends without counting anything. One deadline (NANOPORT_HANDSHAKE_TIMEOUT)
//                covers all of it.
//   active       messages flow. In: frames are read through a fixed buffer;
//                a message's payload is unmasked and copied into its own
//                memory, allocated once its length has passed NN_RCVMAXSIZE
//                (one frame) or grown as fragments come (a fragmented one).
//                Text messages must be valid UTF-8. Pings are answered
//                (not while NN_SNDBUF of output waits), pongs ignored. A
//                close frame is answered and ends the connection once the
//                messages already received are handed over: we send our
//                FIN and drop what still comes until the peer's (at most
//                the handshake timeout), so that no reset destroys our
//                answer. The end of the stream ends it too, at once.
//                Reading pauses at NN_RCVBUF as
//                in stream_pipe. Out: send() copies the frame (masked, for a
//                dialer) into a stage that the worker writes in batches; a
//                message over 64 KiB goes out in 64 KiB fragments (NNG
//                refuses frames over 1 MiB).
//   closing, stopped  as stream_pipe.
//
// Faults (bad frame, unmasked client frame, masked server frame, bad
// UTF-8, a data frame where a continuation belongs or the reverse) close
// this pipe with a log line and NANOPORT_STAT_WS_PROTOCOL_ERRORS; an
// oversized message with NANOPORT_STAT_OVERSIZED_MESSAGES. None asserts.
//
// Memory a peer can make it hold: the read buffer (16 KiB, the request head
// in its first 8 KiB), one message being assembled (at most NN_RCVMAXSIZE),
// NN_RCVBUF of whole messages and, for pongs, NN_SNDBUF of output.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/ring_queue.hpp"
#include "aio/timer.hpp"
#include "aio/worker.hpp"
#include "aio/worker_op.hpp"
#include "transport/pipe.hpp"
#include "transport/stream/connection.hpp"
#include "transport/stream/received_queue.hpp"
#include "transport/tls/tls.hpp"
#include "transport/ws/ws_wire.hpp"

namespace nanoport::transport {

class ws_pipe final : public connection, private aio::fsm {
public:
    // already_read: the start of the upgrade request, read by the listener
    // that handed the connection over (ws_routes); empty otherwise.
    ws_pipe(socket_hooks& socket, connection_parent& parent, aio::worker& w,
            aio::worker_op::stream&& s, const connection_setup& setup, std::string description,
            std::vector<std::byte> already_read = {});
    ~ws_pipe() override;

    void start() override;
    void drop() override;
    bool stopped() const noexcept override { return state_ == state::stopped; }
    bool greeted() const noexcept override { return greeted_; }
    aio::worker& worker() const noexcept override { return *worker_; }

    bool send(aio::message&& m) override;
    receive_result receive(aio::message& out) override;
    void close() override;
    bool flushed() const override { return fill_.empty() && flight_.empty() && out_op_.idle(); }
    std::uint16_t peer_protocol() const override { return peer_id_; }
    int send_priority() const override { return options_.send_priority; }
    int receive_priority() const override { return options_.receive_priority; }
    std::string describe() const override { return description_; }

private:
    enum class state { idle, handshaking, active, closing, stopped };
    enum class phase { tls, http, done };  // of the handshake
    enum source : int { source_task = 1, source_in, source_out, source_timer };

    void handle(int source, int type, aio::worker_op* op) override;
    void on_task();
    void start_http();
    void on_head_read();
    bool hand_over(const std::string& target);
    void on_head_written();
    void become_active();
    void protocol_error(const char* what);
    void fail(const char* what, const std::error_code& ec = {});
    void close_as(ending why);
    void begin_close();
    void check_stopped();

    // In.
    void start_read();
    void on_in_done();
    bool parse();  // false: the pipe failed
    // parse(), then write what it queued (a pong, a close answer) and read
    // on, pause at NN_RCVBUF, or end after the peer's close.
    void parse_and_continue();
    bool take_payload(const std::byte* data, std::size_t n);
    bool finish_message();
    bool on_control(std::uint8_t op, std::span<std::byte> payload);
    void on_peer_gone();
    void linger();
    void deliver(aio::message&& m);
    bool receive_full() const noexcept { return in_queue_.bytes() >= options_.receive_buffer; }

    // Out.
    void queue_frame(std::uint8_t op, std::span<const std::byte> a, std::span<const std::byte> b);
    void start_write();
    void on_out_done();
    void kick();

    socket_hooks* socket_;
    connection_parent* parent_;
    aio::worker* worker_;
    aio::worker_op::stream stream_;
    std::unique_ptr<tls_layer> tls_;
    const bool server_;
    const std::string path_;
    const std::string host_;
    const std::string route_key_;
    std::vector<std::byte> already_read_;
    std::string description_;
    pipe_options options_;
    std::uint64_t max_size_;
    std::string our_subprotocol_;   // "<our protocol>.sp.nanomsg.org"
    std::string peer_subprotocol_;  // "<peer protocol>.sp.nanomsg.org"
    std::minstd_rand mask_random_;

    aio::worker_op in_op_;
    aio::worker_op out_op_;
    aio::timer handshake_timer_;
    aio::task task_;

    state state_ = state::idle;
    phase phase_ = phase::tls;
    bool added_ = false;
    bool close_requested_ = false;
    bool closed_by_endpoint_ = false;
    bool start_requested_ = false;
    bool greeted_ = false;
    bool head_read_ = false;     // the peer's request / response is in and good
    bool head_written_ = false;  // ours is out
    bool refuse_after_write_ = false;  // a listener's error answer: close once written
    std::uint16_t peer_id_ = 0;
    std::string key_;            // a dialer's Sec-WebSocket-Key

    // In: [in_begin_, in_end_) of in_buf_ is not parsed yet.
    std::vector<std::byte> in_buf_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    // The data frame being read: payload bytes still to come, its mask and
    // how far into it we are (for the mask's phase).
    std::uint64_t frame_left_ = 0;
    std::size_t frame_offset_ = 0;
    bool frame_masked_ = false;
    bool frame_fin_ = false;
    std::array<std::byte, 4> frame_mask_{};
    // The message being assembled: in message_ when it came in one frame
    // (allocated at its full length), else in fragments_.
    bool in_message_ = false;    // a data frame started one; continuations belong to it
    bool message_text_ = false;
    bool single_frame_ = false;
    aio::message message_;
    std::size_t message_filled_ = 0;
    std::vector<std::byte> fragments_;
    bool read_paused_ = false;
    bool peer_gone_ = false;     // close frame or end of stream: hand over, then close
    bool close_sent_ = false;
    bool lingering_ = false;     // close handshake done: waiting for the peer's FIN
    received_queue in_queue_;

    // Out: send() appends whole frames to fill_; the worker writes flight_
    // and swaps them when it is written.
    std::vector<std::byte> fill_;
    std::vector<std::byte> flight_;
    std::size_t out_bytes_ = 0;
    bool full_reported_ = false;
    std::string head_out_;       // our request / response
};

}  // namespace nanoport::transport
