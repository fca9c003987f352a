#include "transport/ws/ws_pipe.hpp"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>
#include <string_view>

#include "aio/log.hpp"
#include "transport/ws/ws_routes.hpp"

namespace nanoport::transport {

namespace {

// The read buffer: frames pass through it; payloads are copied out of it.
constexpr std::size_t read_buffer_size = 16 * 1024;
// A single-frame message up to this size gets its memory at once; a bigger
// one (and every fragmented one) grows as its bytes arrive, so that memory
// follows what the peer sends, not what it announces.
constexpr std::size_t direct_allocation_limit = 1024 * 1024;
// An output stage that grew bigger than this is given back when it empties.
constexpr std::size_t stage_keep = 256 * 1024;
// Messages longer than this go out in fragments of this size: NNG refuses
// frames over 1 MiB (NNG_OPT_WS_RECVMAXFRAME), whatever the message limit.
constexpr std::size_t max_frame_payload = 64 * 1024;
}  // namespace

ws_pipe::ws_pipe(socket_hooks& socket, connection_parent& parent, aio::worker& w,
                 aio::worker_op::stream&& s, const connection_setup& setup,
                 std::string description, std::vector<std::byte> already_read)
    : aio::fsm(socket.ctx()),
      socket_(&socket),
      parent_(&parent),
      worker_(&w),
      stream_(std::move(s)),
      server_(setup.server),
      path_(setup.ws_path),
      host_(setup.ws_host),
      route_key_(setup.ws_route_key),
      already_read_(std::move(already_read)),
      description_(std::move(description)),
      options_(parent.priorities().applied_to(socket.current_options())),
      max_size_(options_.receive_max_size < 0 ? sp_wire::unlimited
                                              : static_cast<std::uint64_t>(options_.receive_max_size)),
      our_subprotocol_(ws_wire::subprotocol(socket.protocol_id())),
      peer_subprotocol_(ws_wire::subprotocol(ws_wire::peer_of(socket.protocol_id()))),
      mask_random_(std::random_device{}()),
      in_op_(*this, source_in),
      out_op_(*this, source_out),
      handshake_timer_(w, *this, source_timer),
      task_(*this, source_task) {
    if (setup.tls) {
        tls_ = std::make_unique<tls_layer>(setup.tls, stream_);
        in_op_.set_layer(tls_.get());
        out_op_.set_layer(tls_.get());
    }
}

ws_pipe::~ws_pipe() { assert(state_ == state::stopped || state_ == state::idle); }

void ws_pipe::start() {
    start_requested_ = true;
    kick();
}

void ws_pipe::kick() { worker_->post(task_); }

void ws_pipe::drop() {
    closed_by_endpoint_ = true;
    close();
}

void ws_pipe::close() {
    if (close_requested_ || state_ == state::closing || state_ == state::stopped) return;
    close_requested_ = true;
    kick();
}

// ---------------------------------------------------------------------------
// Events

void ws_pipe::handle(int source, int type, aio::worker_op*) {
    switch (source) {
    case source_task:
        on_task();
        return;
    case source_timer:
        if (type == aio::event::timeout && state_ == state::handshaking) {
            socket_->count_handshake_timeout();
            fail("handshake timed out");
        } else if (type == aio::event::timeout && state_ == state::active && lingering_) {
            close_as(ending::broken);  // the peer never closed its side
        }
        check_stopped();
        return;
    case source_in:
        if (state_ == state::closing) {
            check_stopped();
        } else if (lingering_) {
            // After the close handshake: drop what comes, until the peer's FIN.
            if (type == aio::event::error) {
                close_as(ending::broken);
            } else {
                in_op_.start_read(stream_, std::span(in_buf_.data(), in_buf_.size()), 1);
            }
        } else if (type == aio::event::error) {
            if (state_ == state::handshaking && phase_ == phase::tls) {
                socket_->count_tls_failure();
                aio::log("%s: TLS handshake failed: %s", description_.c_str(),
                         tls_->describe_failure(in_op_.error()).c_str());
                fail(nullptr);
            } else if (state_ == state::active && in_op_.error() == asio::error::eof) {
                peer_gone_ = true;
                on_peer_gone();
            } else {
                fail("read", in_op_.error());
            }
        } else if (state_ == state::handshaking) {
            if (phase_ == phase::tls) {
                if (close_requested_) {
                    begin_close();
                } else {
                    start_http();
                }
            } else {
                on_head_read();
            }
        } else {
            on_in_done();
        }
        return;
    case source_out:
        if (state_ == state::closing) {
            check_stopped();
        } else if (type == aio::event::error) {
            fail("write", out_op_.error());
        } else if (state_ == state::handshaking) {
            on_head_written();
        } else {
            on_out_done();
        }
        return;
    }
}

void ws_pipe::on_task() {
    switch (state_) {
    case state::idle:
        if (close_requested_) {
            state_ = state::closing;
            begin_close();
            return;
        }
        if (!start_requested_) return;
        state_ = state::handshaking;
        handshake_timer_.start(std::chrono::milliseconds(options_.handshake_timeout_ms));
        if (our_subprotocol_.empty() || peer_subprotocol_.empty()) {
            aio::log("%s: this protocol has no WebSocket name", description_.c_str());
            fail(nullptr);
            return;
        }
        if (tls_) {
            phase_ = phase::tls;
            in_op_.start_handshake(stream_);
            return;
        }
        start_http();
        return;
    case state::handshaking:
        if (close_requested_) begin_close();
        return;
    case state::active:
        if (close_requested_) {
            close_as(closed_by_endpoint_ ? ending::dropped : ending::uncounted);
            return;
        }
        if (out_op_.idle() && !fill_.empty()) start_write();
        if (peer_gone_) {
            on_peer_gone();
            return;
        }
        if (read_paused_ && !receive_full()) {
            read_paused_ = false;
            parse_and_continue();
        }
        return;
    case state::closing:
        check_stopped();
        return;
    case state::stopped:
        return;
    }
}

// ---------------------------------------------------------------------------
// Handshake: the HTTP upgrade

void ws_pipe::start_http() {
    phase_ = phase::http;
    try {
        in_buf_.resize(read_buffer_size);
        if (!server_) {
            key_ = ws_wire::make_key();
            head_out_ = ws_wire::make_request(path_, host_, key_, peer_subprotocol_);
        }
    } catch (const std::bad_alloc&) {
        aio::log("%s: no memory for the handshake", description_.c_str());
        fail(nullptr);
        return;
    }
    if (!server_) {
        const asio::const_buffer request(head_out_.data(), head_out_.size());
        out_op_.start_write(stream_, std::span(&request, 1));
    }
    if (!already_read_.empty()) {
        // Handed over: the request (or its start) was read by the listener
        // that accepted the connection.
        const std::size_t n = std::min(already_read_.size(), ws_wire::max_head_size);
        std::memcpy(in_buf_.data(), already_read_.data(), n);
        in_end_ = n;
        std::vector<std::byte>().swap(already_read_);
        on_head_read();
        return;
    }
    in_op_.start_read(stream_, std::span(in_buf_.data(), ws_wire::max_head_size), 1);
}

bool ws_pipe::hand_over(const std::string& target) {
    if (route_key_.empty() || target.empty()) return false;
    const std::shared_ptr<ws_route> route = ws_routes::find(route_key_, target);
    if (!route) return false;
    ws_route::handover h;
    try {
        h.head.assign(in_buf_.data(), in_buf_.data() + in_end_);
    } catch (const std::bad_alloc&) {
        return false;
    }
    std::error_code ec;
    h.family = stream_.local_endpoint(ec).protocol().family();
    if (ec) return false;
    h.fd = stream_.release(ec);
    if (ec) return false;
    if (!route->offer(std::move(h))) {
        // Its listener closed a moment ago: the connection goes.
        ::close(h.fd);
    }
    aio::log("%s: handed over to the listener of %s", description_.c_str(), target.c_str());
    begin_close();  // nothing to count: the connection lives on elsewhere
    return true;
}

void ws_pipe::on_head_read() {
    in_end_ += in_op_.transferred();
    const std::string_view text(reinterpret_cast<const char*>(in_buf_.data()), in_end_);
    const std::size_t end = ws_wire::head_end(text);
    if (end == 0) {
        if (in_end_ >= ws_wire::max_head_size) {
            protocol_error(server_ ? "request head too long" : "response head too long");
            return;
        }
        in_op_.start_read(stream_,
                          std::span(in_buf_.data() + in_end_, ws_wire::max_head_size - in_end_), 1);
        return;
    }
    const std::string_view head = text.substr(0, end);
    in_begin_ = end;  // anything after the head is frames
    if (server_) {
        const ws_wire::request_result r = ws_wire::check_request(head, path_, our_subprotocol_);
        if (r.status == ws_wire::request_status::not_found && hand_over(r.target)) return;
        try {
            head_out_ = ws_wire::make_response(r, our_subprotocol_);
        } catch (const std::bad_alloc&) {
            fail(nullptr);
            return;
        }
        if (r.status != ws_wire::request_status::ok) {
            aio::log("%s: upgrade refused: %s", description_.c_str(),
                     std::string(ws_wire::to_string(r.status)).c_str());
            socket_->count_ws_protocol_error();
            refuse_after_write_ = true;
        }
        const asio::const_buffer response(head_out_.data(), head_out_.size());
        out_op_.start_write(stream_, std::span(&response, 1));
        return;
    }
    const std::string problem = ws_wire::check_response(head, key_, peer_subprotocol_);
    if (!problem.empty()) {
        aio::log("%s: upgrade failed: %s", description_.c_str(), problem.c_str());
        socket_->count_ws_protocol_error();
        fail(nullptr);
        return;
    }
    head_read_ = true;
    if (head_written_) become_active();
}

void ws_pipe::on_head_written() {
    head_written_ = true;
    if (refuse_after_write_) {
        fail(nullptr);
        return;
    }
    if (server_ || head_read_) become_active();
}

void ws_pipe::become_active() {
    handshake_timer_.stop();
    state_ = state::active;
    phase_ = phase::done;
    greeted_ = true;
    peer_id_ = ws_wire::peer_of(socket_->protocol_id());
    head_out_ = std::string();
    parent_->pipe_greeted(*this);
    if (std::error_code ec = socket_->pipe_added(*this)) {
        aio::log("%s: refused by the socket (%s)", description_.c_str(), ec.message().c_str());
        begin_close();
        return;
    }
    added_ = true;
    if (close_requested_) {
        close_as(closed_by_endpoint_ ? ending::dropped : ending::uncounted);
        return;
    }
    parse_and_continue();  // frames that came with the head
}

// ---------------------------------------------------------------------------
// Faults and closing

void ws_pipe::protocol_error(const char* what) {
    aio::log("%s: WebSocket protocol error: %s", description_.c_str(), what);
    socket_->count_ws_protocol_error();
    fail(nullptr);
}

void ws_pipe::fail(const char* what, const std::error_code& ec) {
    log_failure(description_, what, ec);
    close_as(ending::broken);
}

void ws_pipe::close_as(ending why) {
    if (state_ == state::handshaking) socket_->count_failed_handshake();
    const bool was_added = added_;
    begin_close();
    // Counted after pipe_removed, so that nobody reading the statistics sees
    // this connection both ended and still current.
    if (was_added) count_ending(*socket_, why);
}

void ws_pipe::begin_close() {
    if (state_ == state::stopped) return;
    state_ = state::closing;
    if (added_) {
        added_ = false;
        socket_->pipe_removed(*this);
    }
    std::error_code ignored;
    if (stream_.is_open()) stream_.shutdown(asio::socket_base::shutdown_both, ignored);
    stream_.close(ignored);  // outstanding ops complete as cancelled
    handshake_timer_.stop();
    in_queue_.clear();
    fill_.clear();
    out_bytes_ = 0;
    message_ = aio::message();
    std::vector<std::byte>().swap(fragments_);
    check_stopped();
}

void ws_pipe::check_stopped() {
    if (state_ != state::closing) return;
    if (!in_op_.idle() || !out_op_.idle() || !handshake_timer_.idle() || task_.queued()) return;
    state_ = state::stopped;
    parent_->pipe_stopped(*this);
}

// ---------------------------------------------------------------------------
// In

void ws_pipe::start_read() {
    if (in_begin_ == in_end_) {
        in_begin_ = in_end_ = 0;
    } else if (in_begin_ > 0) {
        // Fewer than a frame header and a control frame's bytes are left
        // unparsed (parse() takes payloads as they come): to the front.
        std::memmove(in_buf_.data(), in_buf_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    in_op_.start_read(stream_, std::span(in_buf_.data() + in_end_, in_buf_.size() - in_end_), 1);
}

void ws_pipe::on_in_done() {
    in_end_ += in_op_.transferred();
    parse_and_continue();
}

void ws_pipe::parse_and_continue() {
    if (!parse()) return;
    if (out_op_.idle() && !fill_.empty()) start_write();  // a pong or a close answer
    if (peer_gone_) {
        on_peer_gone();
    } else if (receive_full()) {
        read_paused_ = true;
    } else if (in_op_.idle()) {
        start_read();
    }
}

bool ws_pipe::parse() {
    while (state_ == state::active && !peer_gone_ && !receive_full()) {
        std::span<std::byte> avail(in_buf_.data() + in_begin_, in_end_ - in_begin_);
        if (frame_left_ > 0) {
            if (avail.empty()) return true;
            const std::size_t n = static_cast<std::size_t>(
                std::min<std::uint64_t>(frame_left_, avail.size()));
            if (!take_payload(avail.data(), n)) return false;
            in_begin_ += n;
            frame_left_ -= n;
            if (frame_left_ == 0 && frame_fin_ && !finish_message()) return false;
            continue;
        }
        ws_wire::frame_header h;
        const ws_wire::frame_status status = ws_wire::parse_frame_header(avail, h);
        if (status == ws_wire::frame_status::incomplete) return true;
        if (status != ws_wire::frame_status::ok) {
            protocol_error(std::string(ws_wire::to_string(status)).c_str());
            return false;
        }
        if (server_ && !h.masked) {
            protocol_error("unmasked frame from a client");
            return false;
        }
        if (!server_ && h.masked) {
            protocol_error("masked frame from a server");
            return false;
        }
        if (h.op & 0x08) {
            // Control frames (at most 125 bytes) are taken whole.
            if (avail.size() < h.size + h.length) return true;
            std::span<std::byte> payload = avail.subspan(h.size, static_cast<std::size_t>(h.length));
            if (h.masked) ws_wire::apply_mask(payload, h.mask, 0);
            in_begin_ += h.size + payload.size();
            if (!on_control(h.op, payload)) return false;
            continue;
        }
        if (h.op == ws_wire::op_continuation) {
            if (!in_message_) {
                protocol_error("continuation frame without a message");
                return false;
            }
        } else {
            if (in_message_) {
                protocol_error("new message inside a fragmented one");
                return false;
            }
            in_message_ = true;
            message_text_ = h.op == ws_wire::op_text;
            single_frame_ = h.fin && h.length <= direct_allocation_limit;
            message_filled_ = 0;
            fragments_.clear();
        }
        const std::uint64_t so_far = single_frame_ ? 0 : fragments_.size();
        if (h.length > max_size_ - std::min(max_size_, so_far) || h.length > sp_wire::max_length) {
            aio::log("%s: message of more than %llu bytes is over the limit", description_.c_str(),
                     static_cast<unsigned long long>(so_far + std::min(h.length, sp_wire::max_length)));
            socket_->count_oversized_message();
            fail(nullptr);
            return false;
        }
        if (single_frame_) {
            try {
                message_ = h.length ? aio::message(static_cast<std::size_t>(h.length)) : aio::message();
            } catch (const std::bad_alloc&) {
                aio::log("%s: cannot allocate a %llu-byte message", description_.c_str(),
                         static_cast<unsigned long long>(h.length));
                fail(nullptr);
                return false;
            }
        }
        in_begin_ += h.size;
        frame_left_ = h.length;
        frame_offset_ = 0;
        frame_masked_ = h.masked;
        frame_mask_ = h.mask;
        frame_fin_ = h.fin;
        if (frame_left_ == 0 && frame_fin_ && !finish_message()) return false;
    }
    return true;
}

bool ws_pipe::take_payload(const std::byte* data, std::size_t n) {
    std::byte* target;
    if (single_frame_) {
        target = message_.mutable_body().data() + message_filled_;
        message_filled_ += n;
    } else {
        try {
            const std::size_t at = fragments_.size();
            fragments_.resize(at + n);
            target = fragments_.data() + at;
        } catch (const std::bad_alloc&) {
            aio::log("%s: no memory for a fragmented message", description_.c_str());
            fail(nullptr);
            return false;
        }
    }
    std::memcpy(target, data, n);
    if (frame_masked_) ws_wire::apply_mask(std::span(target, n), frame_mask_, frame_offset_);
    frame_offset_ += n;
    return true;
}

bool ws_pipe::finish_message() {
    in_message_ = false;
    aio::message m;
    if (single_frame_) {
        m = std::move(message_);
        message_ = aio::message();
    } else if (!fragments_.empty()) {
        try {
            m = aio::message::copy_of(fragments_);
        } catch (const std::bad_alloc&) {
            fail(nullptr);
            return false;
        }
        if (fragments_.capacity() > stage_keep) std::vector<std::byte>().swap(fragments_);
        fragments_.clear();
    }
    if (message_text_ && !ws_wire::valid_utf8(m.body())) {
        protocol_error("invalid UTF-8 in a text message");
        return false;
    }
    deliver(std::move(m));
    return true;
}

bool ws_pipe::on_control(std::uint8_t op, std::span<std::byte> payload) {
    switch (op) {
    case ws_wire::op_ping:
        // Not answered while NN_SNDBUF of output waits: a peer that floods
        // pings and reads nothing would otherwise grow our queue without
        // bound. RFC 6455 (5.5.3) lets an endpoint answer only the latest.
        if (!close_sent_ && out_bytes_ < options_.send_buffer) {
            queue_frame(ws_wire::op_pong, payload, {});
        }
        return true;
    case ws_wire::op_pong:
        return true;
    case ws_wire::op_close:
        if (payload.size() == 1) {
            protocol_error("close frame with a 1-byte body");
            return false;
        }
        if (!close_sent_) {
            // Answered with the status code it carried (RFC 6455 5.5.1).
            queue_frame(ws_wire::op_close, payload.first(std::min<std::size_t>(2, payload.size())), {});
            close_sent_ = true;
        }
        aio::log("%s: closed by the peer (close frame)", description_.c_str());
        peer_gone_ = true;
        return true;
    default:
        protocol_error("unknown control frame");
        return false;
    }
}

void ws_pipe::on_peer_gone() {
    // Messages already received stay for the protocol; the connection goes
    // once they are taken and our answer to a close frame is written.
    if (state_ != state::active) return;
    if (!in_queue_.empty() || !fill_.empty() || !out_op_.idle()) return;
    if (close_sent_ && !lingering_) {
        linger();
        return;
    }
    if (!lingering_) close_as(ending::broken);
}

void ws_pipe::linger() {
    // RFC 6455 7.1.1: after the close handshake the server's TCP side goes
    // first. We send our FIN and read (and drop) whatever the peer still
    // sends until its FIN, for at most the handshake timeout: closing with
    // unread input would send a reset, which can destroy our close answer
    // before the peer reads it.
    lingering_ = true;
    std::error_code ignored;
    stream_.shutdown(asio::socket_base::shutdown_send, ignored);
    handshake_timer_.start(std::chrono::milliseconds(options_.handshake_timeout_ms));
    in_op_.start_read(stream_, std::span(in_buf_.data(), in_buf_.size()), 1);
}

void ws_pipe::deliver(aio::message&& m) {
    if (in_queue_.push(std::move(m))) socket_->pipe_readable(*this);
}

pipe::receive_result ws_pipe::receive(aio::message& out) {
    const receive_result r = in_queue_.pop(out);
    if (!r.received) return r;
    count_received(out);
    if ((read_paused_ && in_queue_.bytes() <= options_.receive_buffer / 2) || (peer_gone_ && !r.more)) {
        kick();
    }
    return r;
}

// ---------------------------------------------------------------------------
// Out

bool ws_pipe::send(aio::message&& m) {
    if (state_ != state::active || close_requested_ || peer_gone_) return false;
    count_sent(m);
    const std::uint8_t op = options_.ws_message_type == ws_wire::op_text ? ws_wire::op_text
                                                                         : ws_wire::op_binary;
    const bool was_empty = fill_.empty();
    queue_frame(op, m.header(), m.body());
    m = aio::message();
    if (was_empty && out_op_.idle()) kick();
    if (out_bytes_ >= options_.send_buffer) {
        full_reported_ = true;
        return false;
    }
    return true;
}

void ws_pipe::queue_frame(std::uint8_t op, std::span<const std::byte> a, std::span<const std::byte> b) {
    const std::size_t length = a.size() + b.size();
    const std::size_t frames = std::max<std::size_t>(1, (length + max_frame_payload - 1) / max_frame_payload);
    const std::size_t before = fill_.size();
    // May throw std::bad_alloc, changing nothing; nothing below throws.
    // Grown geometrically: many small frames cost amortised constant time.
    const std::size_t need = before + length + frames * ws_wire::max_frame_header;
    if (need > fill_.capacity()) fill_.reserve(std::max(need, 2 * fill_.capacity()));
    std::size_t done = 0;
    for (std::size_t i = 0; i < frames; ++i) {
        const std::size_t n = std::min(max_frame_payload, length - done);
        std::array<std::byte, 4> mask{};
        if (!server_) {
            const std::uint32_t r = static_cast<std::uint32_t>(mask_random_()) ^
                                    (static_cast<std::uint32_t>(mask_random_()) << 16);
            std::memcpy(mask.data(), &r, 4);
        }
        std::array<std::byte, ws_wire::max_frame_header> header;
        const std::size_t header_size = ws_wire::encode_frame_header(
            i + 1 == frames, i == 0 ? op : std::uint8_t{ws_wire::op_continuation}, n,
            server_ ? nullptr : &mask,
            header);
        fill_.insert(fill_.end(), header.data(), header.data() + header_size);
        const std::size_t payload_at = fill_.size();
        // Bytes [done, done + n) of a followed by b.
        const std::size_t from_a = done < a.size() ? std::min(n, a.size() - done) : 0;
        if (from_a) fill_.insert(fill_.end(), a.begin() + static_cast<std::ptrdiff_t>(done),
                                 a.begin() + static_cast<std::ptrdiff_t>(done + from_a));
        if (n > from_a) {
            const std::size_t b_at = done + from_a - a.size();
            fill_.insert(fill_.end(), b.begin() + static_cast<std::ptrdiff_t>(b_at),
                         b.begin() + static_cast<std::ptrdiff_t>(b_at + n - from_a));
        }
        if (!server_) ws_wire::apply_mask(std::span(fill_.data() + payload_at, n), mask, 0);
        done += n;
    }
    out_bytes_ += fill_.size() - before;
}

void ws_pipe::start_write() {
    assert(flight_.empty());
    fill_.swap(flight_);
    const asio::const_buffer b(flight_.data(), flight_.size());
    out_op_.start_write(stream_, std::span(&b, 1));
}

void ws_pipe::on_out_done() {
    out_bytes_ -= flight_.size();
    flight_.clear();
    if (flight_.capacity() > stage_keep) std::vector<std::byte>().swap(flight_);
    if (full_reported_ && out_bytes_ < options_.send_buffer) {
        full_reported_ = false;
        socket_->pipe_writable(*this);
    }
    if (state_ != state::active) return;
    if (!fill_.empty()) {
        start_write();
        return;
    }
    if (added_) socket_->pipe_flushed(*this);
    if (peer_gone_) on_peer_gone();
}

}  // namespace nanoport::transport
