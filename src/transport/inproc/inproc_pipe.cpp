// inproc_pipe: see inproc_pipe.hpp for the design (halves, link, kicks).
#include "transport/inproc/inproc_pipe.hpp"

#include <cassert>
#include <utility>

#include "aio/log.hpp"

namespace nanoport::transport {

// ---- message_ring ----------------------------------------------------------

void message_ring::push(aio::message&& m) {
    if (count_ == slots_.size()) {
        std::vector<aio::message> grown(slots_.empty() ? 16 : slots_.size() * 2);
        for (std::size_t i = 0; i < count_; ++i) {
            grown[i] = std::move(slots_[(head_ + i) % slots_.size()]);
        }
        slots_.swap(grown);
        head_ = 0;
    }
    slots_[(head_ + count_) % slots_.size()] = std::move(m);
    ++count_;
}

aio::message message_ring::pop() noexcept {
    assert(count_ > 0);
    aio::message m = std::move(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --count_;
    return m;
}

void message_ring::swap(message_ring& other) noexcept {
    slots_.swap(other.slots_);
    std::swap(head_, other.head_);
    std::swap(count_, other.count_);
}

// ---- inproc_link -----------------------------------------------------------

inproc_link::inproc_link(std::string address, std::uint64_t bind_generation,
                         std::uint16_t bound_protocol, std::uint16_t connecting_protocol)
    : address_(std::move(address)), bind_generation_(bind_generation) {
    sides_[bound_side].protocol = bound_protocol;
    sides_[connecting_side].protocol = connecting_protocol;
}

// ---- inproc_pipe -----------------------------------------------------------

inproc_pipe::inproc_pipe(socket_hooks& socket, inproc_pipe_parent& parent,
                         std::shared_ptr<inproc_link> link, int side)
    : aio::fsm(socket.ctx()), socket_(socket), parent_(parent), link_(std::move(link)), side_(side),
      options_(parent.priorities().applied_to(socket.current_options())) {}

inproc_pipe::~inproc_pipe() {
    // Freed by its parent only when never attached, or once stopped (no event
    // aimed at it is queued then).
    assert(state_ == state::idle || state_ == state::stopped);
}

void inproc_pipe::kick_locked(inproc_link& link, int side, aio::fsm_ctx& from) {
    inproc_link::side_state& s = link.sides_[side];
    if (s.half && !s.kick.active()) from.raise(s.kick, *s.half, source_kick, 0);
}

void inproc_pipe::offer() {
    assert(side_ == connecting_side && state_ == state::idle);
    std::lock_guard<std::mutex> lock(link_->mutex_);
    inproc_link::side_state& me = link_->sides_[side_];
    me.half = this;
    me.receive_buffer = options_.receive_buffer;
    me.receive_max_size = options_.receive_max_size;
    state_ = state::offered;
}

bool inproc_pipe::accept() {
    assert(side_ == bound_side && state_ == state::idle);
    {
        std::lock_guard<std::mutex> lock(link_->mutex_);
        if (link_->status_ != inproc_link::status::offered) return false;
        inproc_link::side_state& me = link_->sides_[side_];
        me.half = this;
        me.receive_buffer = options_.receive_buffer;
        me.receive_max_size = options_.receive_max_size;
        link_->status_ = inproc_link::status::open;
        // Tell the connecting half; it adds itself once this ctx is left,
        // that is after our own pipe_added below.
        kick_locked(*link_, connecting_side, ctx());
    }
    add_to_socket(true);
    return true;
}

void inproc_pipe::refuse(inproc_link& link, aio::fsm_ctx& from, bool incompatible) {
    std::lock_guard<std::mutex> lock(link.mutex_);
    if (link.status_ != inproc_link::status::offered) return;  // the connecting half left first
    link.status_ = inproc_link::status::closed;
    link.incompatible_ = incompatible;
    kick_locked(link, connecting_side, from);
}

bool inproc_pipe::refused_as_incompatible() const {
    std::lock_guard<std::mutex> lock(link_->mutex_);
    return link_->incompatible_;
}

std::uint64_t inproc_pipe::dropped_messages() const {
    std::lock_guard<std::mutex> lock(link_->mutex_);
    return link_->sides_[side_].dropped;
}

void inproc_pipe::handle(int /*source*/, int /*type*/, aio::worker_op* /*op*/) {
    // Kicks and our finish event mean the same: look at the state.
    switch (state_) {
        case state::idle:
            assert(false && "nothing is raised at a half before it attaches");
            return;
        case state::offered:
            on_answer();
            return;
        case state::active:
            report_changes();
            return;
        case state::closing:
            // Whichever of our finish event and a kick in flight comes last
            // finishes: after it, nothing aimed at us is queued.
            if (!finish_event_.active() && !link_->sides_[side_].kick.active()) finish();
            return;
        case state::stopped:
            return;
    }
}

void inproc_pipe::on_answer() {
    inproc_link::status status = inproc_link::status::offered;
    {
        std::lock_guard<std::mutex> lock(link_->mutex_);
        status = link_->status_;
        if (status == inproc_link::status::open) {
            // Messages the bound side sent before we were added: report them
            // right after pipe_added.
            inproc_link::side_state& me = link_->sides_[side_];
            me.notify_readable = !me.queue.empty();
            me.reader_waiting = me.queue.empty();
        }
    }
    switch (status) {
        case inproc_link::status::offered:
            return;  // no answer yet (only answers kick us, but waiting is always safe)
        case inproc_link::status::open:
            add_to_socket(false);
            return;
        case inproc_link::status::closed:
            close();  // refused, or the bound side already left: never added
            return;
    }
}

void inproc_pipe::add_to_socket(bool bound) {
    state_ = state::active;
    added_ = true;
    if (socket_.pipe_added(*this)) {
        close();
        return;
    }
    accepted_ = true;
    if (bound) {
        socket_.count_accepted();
    } else {
        socket_.count_established();
    }
    // pipe_added may have closed us itself.
    if (state_ == state::active) report_changes();
}

void inproc_pipe::report_changes() {
    bool readable = false;
    bool writable = false;
    bool closed = false;
    {
        std::lock_guard<std::mutex> lock(link_->mutex_);
        inproc_link::side_state& me = link_->sides_[side_];
        readable = std::exchange(me.notify_readable, false);
        writable = std::exchange(me.notify_writable, false);
        closed = link_->status_ == inproc_link::status::closed;
    }
    if (closed) {
        peer_gone_ = true;
        // What the peer sent before it left is ours: the protocol reads it
        // first (a PUSH that sends and closes at once loses nothing), and
        // the last receive() closes us.
        if (has_queued()) {
            socket_.pipe_readable(*this);
        } else {
            close();
        }
        return;
    }
    if (writable) socket_.pipe_writable(*this);
    // The writable hook may have closed us.
    if (readable && state_ == state::active) socket_.pipe_readable(*this);
}

bool inproc_pipe::send(aio::message&& m) {
    assert(ctx().inside());
    // Freed after the mutex is released: a dropped message, or nothing.
    aio::message dropped;
    if (state_ != state::active) {
        dropped = std::move(m);  // closing: it goes with the pipe
        return true;
    }
    const std::size_t size = m.wire_size();
    bool full = false;
    bool oversized = false;
    std::int64_t limit = -1;
    {
        std::lock_guard<std::mutex> lock(link_->mutex_);
        inproc_link::side_state& peer = link_->sides_[1 - side_];
        limit = peer.receive_max_size;
        if (link_->status_ != inproc_link::status::open) {
            // The peer left; our kick is on its way and will close us.
            dropped = std::move(m);
        } else if (limit >= 0 && size > static_cast<std::uint64_t>(limit)) {
            ++peer.dropped;
            oversized = true;
            dropped = std::move(m);
        } else {
            count_sent(m);
            peer.queue.push(std::move(m));
            peer.queued_bytes += size;
            if (peer.reader_waiting) {
                peer.reader_waiting = false;
                peer.notify_readable = true;
                kick_locked(*link_, 1 - side_, ctx());
            }
            if (peer.queued_bytes >= peer.receive_buffer) {
                full = true;
                link_->sides_[side_].writer_blocked = true;
            }
        }
    }
    if (oversized) {
        aio::log("%s: dropped a %zu-byte message above the receiver's NN_RCVMAXSIZE (%lld)",
                 link_->address().c_str(), size, static_cast<long long>(limit));
    }
    return !full;
}

bool inproc_pipe::has_queued() const {
    std::lock_guard<std::mutex> lock(link_->mutex_);
    return !link_->sides_[side_].queue.empty();
}

pipe::receive_result inproc_pipe::receive(aio::message& out) {
    assert(ctx().inside());
    if (state_ != state::active) return {};
    receive_result result = take(out);
    // The peer has left and we have handed over all it sent: now we go too.
    if (!result.more && peer_gone_) close();
    return result;
}

pipe::receive_result inproc_pipe::take(aio::message& out) {
    std::lock_guard<std::mutex> lock(link_->mutex_);
    inproc_link::side_state& me = link_->sides_[side_];
    // A queue is readable while the link is open, and after the peer has
    // left until it is empty; never before the link opens.
    if (link_->status_ == inproc_link::status::offered || me.queue.empty()) {
        me.reader_waiting = true;
        me.notify_readable = false;
        return {};
    }
    out = me.queue.pop();
    me.queued_bytes -= out.wire_size();
    count_received(out);
    const bool more = !me.queue.empty();
    if (!more) {
        // The protocol now waits for pipe_readable; a kick already on its
        // way must not report a message that has been taken.
        me.reader_waiting = true;
        me.notify_readable = false;
    }
    inproc_link::side_state& peer = link_->sides_[1 - side_];
    if (peer.writer_blocked && me.queued_bytes <= me.receive_buffer / 2) {
        peer.writer_blocked = false;
        peer.notify_writable = true;
        kick_locked(*link_, 1 - side_, ctx());
    }
    return {true, more};
}

void inproc_pipe::drop() {
    if (state_ == state::active) closed_by_endpoint_ = true;
    close();
}

void inproc_pipe::close() {
    assert(ctx().inside());
    switch (state_) {
        case state::idle:
        case state::closing:
        case state::stopped:
            return;
        case state::offered:
        case state::active:
            break;
    }
    detach();
    state_ = state::closing;
    // pipe_removed must not be called from inside close(): finish later.
    ctx().raise(finish_event_, *this, source_finish, 0);
}

void inproc_pipe::detach() {
    message_ring doomed;  // our undelivered messages, freed after the mutex is released
    std::lock_guard<std::mutex> lock(link_->mutex_);
    inproc_link::side_state& me = link_->sides_[side_];
    me.half = nullptr;
    me.queue.swap(doomed);
    me.queued_bytes = 0;
    me.notify_readable = false;
    me.notify_writable = false;
    if (link_->status_ != inproc_link::status::closed) {
        link_->status_ = inproc_link::status::closed;
        kick_locked(*link_, 1 - side_, ctx());
    }
}

void inproc_pipe::finish() {
    state_ = state::stopped;
    if (added_) socket_.pipe_removed(*this);
    // Counted after pipe_removed, so that nobody reading the statistics sees
    // this connection both ended and still current.
    if (accepted_ && peer_gone_) {
        socket_.count_broken();
    } else if (accepted_ && closed_by_endpoint_) {
        socket_.count_dropped();
    }
    parent_.pipe_stopped(*this);
}

}  // namespace nanoport::transport
