#include "transport/stream/stream_pipe.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <new>

#include "aio/log.hpp"

namespace nanoport::transport {

namespace {

// First read buffer (chunk) of a pipe; the next one doubles each time a read
// fills one, up to the largest. Kept small so that many idle connections cost
// little memory. Received messages are slices of these chunks.
constexpr std::size_t first_buffer_size = 4 * 1024;
constexpr std::size_t largest_buffer_size = 256 * 1024;
// A body at least this big that is not yet all in the buffer is read straight
// into its message instead of through the buffer.
constexpr std::size_t direct_body_threshold = largest_buffer_size / 2;
// Such a body gets this much memory at first (or its whole length, if that is
// less), and twice as much each time the bytes that arrived fill it: memory
// follows what the peer really sends, not what its header announces.
constexpr std::size_t first_body_allocation = 1024 * 1024;
// Out: bodies up to this size are copied into the stage (coalesced); bigger
// ones are written from where they are.
constexpr std::size_t coalesce_limit = 4 * 1024;
// A stage that grew bigger than this is given back when it empties.
constexpr std::size_t stage_keep = 256 * 1024;
// One batch writes at most about this much.
constexpr std::size_t batch_limit = 1024 * 1024;
// A send that finds the pipe idle writes directly only if the calling
// thread's previous send, to any stream pipe, ended at least this long ago.
// A request, a reply or a message now and then thus leaves at once from the
// caller's thread; in a stream of sends only the first one does, and the rest
// queue (one kick) and leave coalesced, in a few big writes on the worker
// instead of one system call each - even when the worker keeps up and the
// pipe is idle now and then in between. Per thread, not per pipe: a PUB
// sending to many pipes would otherwise write to each directly whenever the
// direct writes to the others took longer than this (a receiver woken on a
// busy machine takes the sender's core), and stay in that slow mode.
// Over ipc, a body of at least a quarter of NN_SNDBUF finding the pipe idle
// is written directly whatever the gap: few such messages fit in the queue,
// the copy into the socket costs the same on any thread, and handing them to
// the worker cost the sender a sleep and a wake-up every message or two
// (64 KiB ipc: 136k -> 34k context switches per 100k messages, sender CPU
// 22 -> 15 us a message). Not over tcp: measured the same way, direct
// writes of 64 KiB cost the sender more CPU than the worker's batched ones
// (40 -> 55 us a message; loopback tcp does more work per send call, and
// with Nagle on, nanomsg's default, each write's short last segment waits).
constexpr std::chrono::nanoseconds direct_write_gap{20'000};
thread_local std::chrono::steady_clock::time_point last_send_on_thread{};
// Sends queued into busy pipes since last_send_on_thread was last set; it is
// set again every stamp_every of them.
thread_local unsigned sends_unstamped = 0;
constexpr unsigned stamp_every = 16;

std::size_t frame_header(sp_wire::framing f, const aio::message& m,
                         std::array<std::byte, sp_wire::max_header_size>& out) {
    return sp_wire::encode_header(f, m.wire_size(), out);
}

}  // namespace

stream_pipe::stream_pipe(socket_hooks& socket, connection_parent& parent, aio::worker& w,
                         aio::worker_op::stream&& s, sp_wire::framing framing,
                         std::shared_ptr<const tls_config> tls, std::string description)
    : aio::fsm(socket.ctx()),
      socket_(&socket),
      parent_(&parent),
      worker_(&w),
      stream_(std::move(s)),
      framing_(framing),
      description_(std::move(description)),
      options_(parent.priorities().applied_to(socket.current_options())),
      max_size_(options_.receive_max_size < 0 ? sp_wire::unlimited
                                              : static_cast<std::uint64_t>(options_.receive_max_size)),
      in_op_(*this, source_in),
      out_op_(*this, source_out),
      handshake_timer_(w, *this, source_timer),
      task_(*this, source_task) {
    if (tls) {
        tls_ = std::make_unique<tls_layer>(std::move(tls), stream_);
        in_op_.set_layer(tls_.get());
        out_op_.set_layer(tls_.get());
    }
}

stream_pipe::~stream_pipe() {
    assert(state_ == state::stopped || state_ == state::idle);
}

void stream_pipe::start() {
    start_requested_ = true;
    kick();
}

void stream_pipe::kick() { worker_->post(task_); }

// ---------------------------------------------------------------------------
// Events

void stream_pipe::handle(int source, int type, aio::worker_op*) {
    switch (source) {
    case source_task:
        on_task();
        return;
    case source_resume:
        if (state_ == state::active) {
            resume_reading();
        } else {
            check_stopped();
        }
        return;
    case source_timer:
        if (type == aio::event::timeout && state_ == state::handshaking) {
            socket_->count_handshake_timeout();
            fail("handshake timed out");
        }
        check_stopped();
        return;
    case source_in:
        if (state_ == state::closing) {
            check_stopped();
        } else if (type == aio::event::error) {
            if (state_ == state::active && in_op_.error() == asio::error::eof) {
                on_peer_closed();
            } else if (tls_pending_) {
                socket_->count_tls_failure();
                aio::log("%s: TLS handshake failed: %s", description_.c_str(),
                         tls_->describe_failure(in_op_.error()).c_str());
                fail(nullptr);
            } else {
                fail("read", in_op_.error());
            }
        } else if (tls_pending_) {
            tls_pending_ = false;
            if (close_requested_) {
                begin_close();
            } else {
                start_greeting();
            }
        } else if (state_ == state::handshaking) {
            greeting_received_ = true;
            on_handshake_step();
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
            greeting_sent_ = true;
            on_handshake_step();
        } else {
            on_out_done();
        }
        return;
    }
}

void stream_pipe::on_task() {
    switch (state_) {
    case state::idle:
        if (close_requested_) {
            state_ = state::closing;
            begin_close();
            return;
        }
        if (!start_requested_) return;
        state_ = state::handshaking;
        aio::log("%s: handshake started on worker %u (deadline %d ms)", description_.c_str(),
                 worker_->index(), options_.handshake_timeout_ms);
        handshake_timer_.start(std::chrono::milliseconds(options_.handshake_timeout_ms));
        if (tls_) {
            tls_pending_ = true;
            in_op_.start_handshake(stream_);
            return;
        }
        start_greeting();
        return;
    case state::handshaking:
        if (close_requested_) begin_close();
        return;
    case state::active:
        if (close_requested_ || (draining_ && in_queue_.empty())) {
            close_as(draining_             ? ending::broken
                     : closed_by_endpoint_ ? ending::dropped
                                           : ending::uncounted);
            return;
        }
        if (draining_) return;
        if (out_op_.idle() && output_waiting()) start_write_batch();
        if (read_paused_ && !receive_full()) {
            read_paused_ = false;
            if (!reading_body_ && !parse_buffer()) return;
            read_or_pause();
        }
        return;
    case state::closing:
        check_stopped();
        return;
    case state::stopped:
        return;
    }
}

void stream_pipe::start_greeting() {
    greeting_out_ = sp_wire::make_greeting(socket_->protocol_id());
    const asio::const_buffer greeting(greeting_out_.data(), greeting_out_.size());
    out_op_.start_write(stream_, std::span(&greeting, 1));
    in_op_.start_read(stream_, greeting_in_, greeting_in_.size());
}

void stream_pipe::on_handshake_step() {
    if (!greeting_sent_ || !greeting_received_) return;
    const auto result = sp_wire::check_greeting(greeting_in_, socket_->protocol_id(), true);
    peer_id_ = result.peer_id;
    if (result.status != sp_wire::greeting_status::ok || !socket_->accepts_peer(peer_id_)) {
        aio::log("%s: greeting refused (%s, peer protocol %u)", description_.c_str(),
                 std::string(sp_wire::to_string(result.status)).c_str(), peer_id_);
        socket_->count_rejected_greeting();
        fail(nullptr);
        return;
    }
    handshake_timer_.stop();
    state_ = state::active;
    greeted_ = true;
    parent_->pipe_greeted(*this);
    in_capacity_next_ = first_buffer_size;
    try {
        in_chunk_ = aio::chunk_ref(aio::chunk::allocate(first_buffer_size));
        in_chunk_.get()->resize_within(in_chunk_.get()->capacity());
    } catch (const std::bad_alloc&) {
        aio::log("%s: no memory for a read buffer", description_.c_str());
        begin_close();
        return;
    }
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
    start_read();
}

void stream_pipe::on_peer_closed() {
    // Whole messages still in the buffer are delivered, whatever NN_RCVBUF
    // says: nothing more will come, and they are not to be lost.
    if (!reading_body_ && !parse_buffer(true)) return;
    if (in_queue_.empty()) {
        fail("read", asio::error::eof);
        return;
    }
    aio::log("%s: closed by the peer; %zu messages left to hand over", description_.c_str(),
             in_queue_.size());
    draining_ = true;  // receive() kicks the task once the queue is empty
}

void stream_pipe::fail(const char* what, const std::error_code& ec) {
    log_failure(description_, what, ec);
    close_as(ending::broken);
}

void stream_pipe::close_as(ending why) {
    // Our own close (close_requested_) never gets here while handshaking:
    // this is the peer's doing, or the deadline's.
    if (state_ == state::handshaking) socket_->count_failed_handshake();
    const bool was_added = added_;
    begin_close();
    // Counted after pipe_removed, so that nobody reading the statistics sees
    // this connection both ended and still current.
    if (was_added) count_ending(*socket_, why);
}

void stream_pipe::begin_close() {
    if (state_ == state::stopped) return;
    state_ = state::closing;
    if (added_) {
        added_ = false;
        socket_->pipe_removed(*this);
    }
    std::error_code ignored;
    // Shut down first: an io_uring operation in flight holds a reference to
    // the socket, so close() alone neither ends that operation nor tells the
    // peer. shutdown() completes pending reads and writes and sends FIN.
    if (stream_.is_open()) stream_.shutdown(asio::socket_base::shutdown_both, ignored);
    stream_.close(ignored);  // outstanding ops complete as cancelled
    handshake_timer_.stop();
    in_queue_.clear();
    fill_.clear();
    flight_.clear();
    flight_pos_ = flight_big_ = 0;
    out_bytes_ = 0;
    body_ = aio::message();
    in_chunk_ = aio::chunk_ref();
    check_stopped();
}

void stream_pipe::check_stopped() {
    if (state_ != state::closing) return;
    if (!in_op_.idle() || !out_op_.idle() || !handshake_timer_.idle() || task_.queued() ||
        resume_event_.active()) {
        return;
    }
    state_ = state::stopped;
    parent_->pipe_stopped(*this);
}

// ---------------------------------------------------------------------------
// In

void stream_pipe::start_read() {
    if (reading_body_) {
        if (body_filled_ == body_.size() && !grow_body()) return;
        std::span<std::byte> rest = body_.mutable_body().subspan(body_filled_);
        in_op_.start_read(stream_, rest, rest.size());
        return;
    }
    if (!make_room(in_need_)) return;
    aio::chunk* c = in_chunk_.get();
    in_op_.start_read(stream_, std::span(c->data() + in_end_, c->capacity() - in_end_), 1);
}

bool stream_pipe::make_room(std::size_t need) {
    aio::chunk* c = in_chunk_.get();
    const std::size_t pending = in_end_ - in_begin_;
    need = std::max(need, pending + 1);
    if (!c->shared()) {
        // Nobody holds a slice: the unparsed bytes move to the front.
        if (in_begin_ > 0) {
            std::memmove(c->data(), c->data() + in_begin_, pending);
            in_begin_ = 0;
            in_end_ = pending;
        }
        if (need <= c->capacity() && c->capacity() >= in_capacity_next_) return true;
    } else if (in_begin_ + need <= c->capacity() && c->capacity() - in_end_ >= c->capacity() / 4) {
        // Slices hold the bytes before in_end_; the rest is free to read into.
        return true;
    }
    // A new chunk, with the unparsed bytes copied to its front; the old one
    // lives on for as long as its slices do.
    const std::size_t size = std::max(need, in_capacity_next_);
    try {
        aio::chunk_ref fresh(aio::chunk::allocate(size));
        fresh.get()->resize_within(fresh.get()->capacity());  // slices may use all of it
        if (pending) std::memcpy(fresh.get()->data(), c->data() + in_begin_, pending);
        in_chunk_ = std::move(fresh);
    } catch (const std::bad_alloc&) {
        aio::log("%s: no memory for a %zu-byte read buffer", description_.c_str(), size);
        fail(nullptr);
        return false;
    }
    in_begin_ = 0;
    in_end_ = pending;
    return true;
}

bool stream_pipe::grow_body() {
    const std::size_t size = std::min(body_length_, std::max(body_.size() * 2, first_body_allocation));
    try {
        aio::message bigger(size);
        std::memcpy(bigger.mutable_body().data(), body_.body().data(), body_filled_);
        body_ = std::move(bigger);
    } catch (const std::bad_alloc&) {
        aio::log("%s: cannot allocate %zu bytes for a %zu-byte message", description_.c_str(), size,
                 body_length_);
        fail(nullptr);
        return false;
    }
    return true;
}

void stream_pipe::on_in_done() {
    if (reading_body_) {
        body_filled_ += in_op_.transferred();
        if (body_filled_ < body_length_) {  // the body so far filled its memory
            start_read();
            return;
        }
        reading_body_ = false;
        deliver(std::move(body_));
        body_ = aio::message();
        read_or_pause();
    } else {
        after_read(in_op_.transferred());
    }
}

void stream_pipe::read_or_pause() {
    if (receive_full()) {
        read_paused_ = true;
    } else {
        start_read();
    }
}

void stream_pipe::after_read(std::size_t n) {
    in_end_ += n;
    // A read that filled the buffer: the next buffer is bigger.
    const std::size_t capacity = in_chunk_.get()->capacity();
    if (in_end_ == capacity && in_capacity_next_ < largest_buffer_size) {
        in_capacity_next_ = std::min(std::max(capacity, in_capacity_next_) * 2, largest_buffer_size);
    }
    if (!parse_buffer()) return;
    read_or_pause();
}

void stream_pipe::resume_reading() {
    if (!read_paused_ || close_requested_ || draining_ || receive_full()) return;
    if (tls_ || reading_body_ || !in_op_.idle()) {
        kick();  // the worker resumes it (on_task)
        return;
    }
    // What the last read brought may hold more whole messages.
    read_paused_ = false;
    if (!parse_buffer()) return;
    if (receive_full()) {
        read_paused_ = true;
        return;
    }
    if (!reading_body_) {
        // Read here, on the receiving thread, which is inside the ctx
        // anyway: a stream that keeps the queue full is read without waking
        // the worker (woken about once per two messages at 64 KiB before).
        if (!make_room(in_need_)) return;
        aio::chunk* c = in_chunk_.get();
        const ssize_t n = ::recv(stream_.native_handle(), c->data() + in_end_, c->capacity() - in_end_,
                                 MSG_DONTWAIT);
        if (n > 0) {
            after_read(static_cast<std::size_t>(n));
            return;
        }
        // Nothing yet, the end of the stream or an error: the worker's read
        // waits for the bytes, or meets the end or error and handles it.
    }
    start_read();
}

bool stream_pipe::parse_buffer(bool ignore_limit) {
    in_need_ = 0;
    while (ignore_limit || !receive_full()) {
        const std::span<const std::byte> avail(in_chunk_.get()->data() + in_begin_, in_end_ - in_begin_);
        const sp_wire::header_result h = sp_wire::decode_header(framing_, avail, max_size_);
        switch (h.status) {
        case sp_wire::header_status::incomplete:
            return true;
        case sp_wire::header_status::bad_type:
            aio::log("%s: unknown ipc message type byte", description_.c_str());
            socket_->count_malformed_frame();
            fail(nullptr);
            return false;
        case sp_wire::header_status::too_large:
            aio::log("%s: message of %llu bytes is over the limit", description_.c_str(),
                     static_cast<unsigned long long>(h.length));
            socket_->count_oversized_message();
            fail(nullptr);
            return false;
        case sp_wire::header_status::ok:
            break;
        }
        const std::size_t length = static_cast<std::size_t>(h.length);
        const std::size_t have = avail.size() - h.size;
        if (have >= length) {
            deliver(length ? aio::message::slice(in_chunk_, in_begin_ + h.size, length)
                           : aio::message());
            in_begin_ += h.size + length;
            continue;
        }
        if (length >= direct_body_threshold) {
            // Big body: take what is here, read the rest straight into it.
            // The length passed NN_RCVMAXSIZE, but with no limit (-1) a peer
            // can announce more than the process can allocate: that closes
            // this pipe, never the process or the socket.
            body_length_ = length;
            try {
                body_ = aio::message(std::min(length, std::max(have, first_body_allocation)));
            } catch (const std::bad_alloc&) {
                aio::log("%s: cannot allocate a %llu-byte message", description_.c_str(),
                         static_cast<unsigned long long>(length));
                fail(nullptr);
                return false;
            }
            std::memcpy(body_.mutable_body().data(), avail.data() + h.size, have);
            body_filled_ = have;
            reading_body_ = true;
            // Consumed; the bytes stay where slices may refer to them.
            in_begin_ = in_end_;
            return true;
        }
        // A message not yet complete: the next read makes room for all of it.
        in_need_ = h.size + length;
        return true;
    }
    return true;
}

void stream_pipe::deliver(aio::message&& m) {
    if (in_queue_.push(std::move(m))) socket_->pipe_readable(*this);
}

pipe::receive_result stream_pipe::receive(aio::message& out) {
    const receive_result r = in_queue_.pop(out);
    if (!r.received) return r;
    count_received(out);
    const bool more = r.more;
    // A paused read resumes once the queue is down to half of NN_RCVBUF, not
    // at the first message taken: each resumption then parses a good batch
    // instead of one message per wake-up of the worker.
    if (draining_ && !more) {
        kick();
    } else if (read_paused_ && in_queue_.bytes() <= options_.receive_buffer / 2 && !resume_event_.active()) {
        // Not from inside this call: the protocol is taking a message.
        ctx().raise(resume_event_, *this, source_resume, 0);
    }
    return {true, more};
}

// ---------------------------------------------------------------------------
// Out

bool stream_pipe::send(aio::message&& m) { return send_message(m, &m); }

bool stream_pipe::send_shared(const aio::message& m) { return send_message(m, nullptr); }

bool stream_pipe::send_message(const aio::message& m, aio::message* owned) {
    if (state_ != state::active || close_requested_ || draining_) {
        // Closing: the protocol learns through pipe_removed; the message goes.
        return false;
    }
    count_sent(m);
    bool direct = false;
    if (!tls_ && !output_waiting() && out_op_.idle()) {
        const auto now = std::chrono::steady_clock::now();
        direct = now - last_send_on_thread >= direct_write_gap ||
                 (framing_ == sp_wire::framing::ipc && m.body().size() >= options_.send_buffer / 4);
        last_send_on_thread = now;
    } else if (++sends_unstamped == stamp_every) {
        // Into a busy pipe: only now and then the clock is read (it cost
        // about a tenth of a 16-byte send). A stream keeps its stamp that
        // fresh; a stamp older than the true last send only makes the next
        // send to an idle pipe go directly, which is what an idle pipe wants.
        sends_unstamped = 0;
        last_send_on_thread = std::chrono::steady_clock::now();
    }
    if (direct) {
        const bool written = try_direct_write(m, owned);
        last_send_on_thread = std::chrono::steady_clock::now();
        if (written) return true;
    } else {
        const bool was_waiting = output_waiting();
        queue_output(m, 0, owned);
        if (!was_waiting && out_op_.idle()) kick();
    }
    if (out_bytes_ >= options_.send_buffer) {
        full_reported_ = true;
        return false;
    }
    return true;
}

void stream_pipe::queue_output(const aio::message& m, std::size_t skip, aio::message* owned) {
    std::array<std::byte, sp_wire::max_header_size> frame;
    const std::size_t frame_size = frame_header(framing_, m, frame);
    const auto header = m.header();
    const auto body = m.body();
    const bool copy_body = body.size() <= coalesce_limit;
    const std::size_t wire = frame_size + header.size() + body.size();
    const std::size_t staged_wire = frame_size + header.size() + (copy_body ? body.size() : 0);
    const std::size_t unsent = wire - std::min(skip, wire);
    std::vector<std::byte>& stage = fill_.stage;
    const std::size_t before = stage.size();
    // May throw std::bad_alloc, changing nothing; the copies below cannot.
    const std::size_t need = before + staged_wire - std::min(skip, staged_wire);
    if (need > stage.capacity()) stage.reserve(std::max({need, 2 * stage.capacity(), first_buffer_size}));
    // Appends the part of [p, p+n) past what skip still covers.
    auto append = [&](const std::byte* p, std::size_t n) {
        const std::size_t drop = std::min(skip, n);
        skip -= drop;
        stage.insert(stage.end(), p + drop, p + n);
    };
    append(frame.data(), frame_size);
    append(header.data(), header.size());
    if (copy_body) {
        append(body.data(), body.size());
        if (owned) *owned = aio::message();  // the sender's body is let go here, on its thread
    } else {
        // header and body stay valid: rest holds the same chunk as m.
        aio::message rest = owned ? std::move(*owned) : aio::message(m);
        rest.clear_header();
        rest.trim_front(skip);  // what the skipped bytes took of the body
        try {
            fill_.bigs.push_back(out_big{stage.size(), std::move(rest)});
        } catch (...) {
            stage.resize(before);
            throw;
        }
    }
    out_bytes_ += unsent;
}

bool stream_pipe::try_direct_write(const aio::message& m, aio::message* owned) {
    std::array<std::byte, sp_wire::max_header_size> frame;
    const std::size_t frame_size = frame_header(framing_, m, frame);
    const auto header = m.header();
    const auto body = m.body();
    iovec iov[3] = {
        {frame.data(), frame_size},
        {const_cast<std::byte*>(header.data()), header.size()},
        {const_cast<std::byte*>(body.data()), body.size()},
    };
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 3;
    const std::size_t total = frame_size + header.size() + body.size();
    ssize_t n = ::sendmsg(stream_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    // Would block, or a real error: the worker's write op retries and, for a
    // real error, reports it and closes the pipe.
    if (n < 0) n = 0;
    if (static_cast<std::size_t>(n) == total) return true;
    queue_output(m, static_cast<std::size_t>(n), owned);
    kick();
    return false;
}

void stream_pipe::out_buffers::clear() noexcept {
    stage.clear();
    if (stage.capacity() > stage_keep) std::vector<std::byte>().swap(stage);
    bigs.clear();
}

void stream_pipe::start_write_batch() {
    if (flight_.empty()) {
        // All of flight_ is out: what send() queued since becomes the next.
        std::swap(fill_, flight_);
        flight_pos_ = flight_big_ = 0;
    }
    std::size_t iovs = 0;
    std::size_t bytes = 0;
    while (iovs < iov_.size() && bytes < batch_limit) {
        const bool big_next = flight_big_ < flight_.bigs.size();
        const std::size_t stage_end = big_next ? flight_.bigs[flight_big_].stage_end : flight_.stage.size();
        if (flight_pos_ < stage_end) {
            iov_[iovs++] = asio::const_buffer(flight_.stage.data() + flight_pos_, stage_end - flight_pos_);
            bytes += stage_end - flight_pos_;
            flight_pos_ = stage_end;
        }
        if (!big_next || iovs == iov_.size()) break;
        const auto body = flight_.bigs[flight_big_].body.body();
        iov_[iovs++] = asio::const_buffer(body.data(), body.size());
        bytes += body.size();
        ++flight_big_;
    }
    out_op_.start_write(stream_, std::span(iov_.data(), iovs));
}

void stream_pipe::on_out_done() {
    out_bytes_ -= out_op_.transferred();
    if (flight_pos_ == flight_.stage.size() && flight_big_ == flight_.bigs.size()) {
        flight_.clear();
        flight_pos_ = flight_big_ = 0;
    }
    if (full_reported_ && out_bytes_ < options_.send_buffer) {
        full_reported_ = false;
        socket_->pipe_writable(*this);
    }
    if (state_ == state::active && out_op_.idle() && output_waiting()) start_write_batch();
    if (!output_waiting() && out_op_.idle() && added_) socket_->pipe_flushed(*this);
}

void stream_pipe::drop() {
    closed_by_endpoint_ = true;
    close();
}

void stream_pipe::close() {
    if (close_requested_ || state_ == state::closing || state_ == state::stopped) return;
    close_requested_ = true;
    kick();
}

}  // namespace nanoport::transport
