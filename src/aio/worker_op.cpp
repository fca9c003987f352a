#include "aio/worker_op.hpp"

#include <asio/defer.hpp>
#include <asio/io_context.hpp>
#include <asio/error.hpp>

#include <sys/socket.h>

#include <cassert>

namespace nanoport::aio {

// The handler that issues a started transfer once the starter has left its
// ctx; it too lives in the op's slot (free again before issue() needs it).
struct worker_op::starter {
    worker_op* op;

    using allocator_type = slot_allocator<void>;
    allocator_type get_allocator() const noexcept { return allocator_type(op->memory_); }

    void operator()() const {
        // Closed between the start and now: the transfer is cancelled, as
        // it would have been had it been issued before the close.
        if (!op->stream_->is_open()) {
            op->finish(asio::error::operation_aborted);
            return;
        }
        op->issue();
    }
};

void worker_op::begin() {
    // Deferred, not issued here: the owner starts a transfer inside its ctx,
    // and Asio tries a transfer at once when it is started (the system call
    // would then run with the ctx locked, stalling a user thread that wants
    // the ctx meanwhile). On the worker thread the deferred handler goes on
    // the thread's private queue: no lock, no wake-up.
    // Through the io_context's own executor, not the socket's type-erased
    // one: only then does Asio place the deferred handler in the op's slot
    // (the type-erased path allocates it with Asio's recycling allocator).
    auto& context = static_cast<asio::io_context&>(
        asio::query(stream_->get_executor(), asio::execution::context));
    asio::defer(context.get_executor(), starter{this});
}

void worker_op::start_read(stream& s, std::span<std::byte> buf, std::size_t min_bytes) {
    assert(idle());
    assert(min_bytes >= 1 && min_bytes <= buf.size());
    busy_.store(true, std::memory_order_release);
    stream_ = &s;
    kind_ = kind::read;
    read_at_ = buf.data();
    read_room_ = buf.size();
    read_needed_ = min_bytes;
    transferred_ = 0;
    error_.clear();
    begin();
}

void worker_op::start_write(stream& s, std::span<const asio::const_buffer> bufs) {
    assert(idle());
    assert(bufs.size() <= max_iov);
    busy_.store(true, std::memory_order_release);
    stream_ = &s;
    kind_ = kind::write;
    iov_first_ = 0;
    iov_count_ = 0;
    for (const asio::const_buffer& b : bufs) {
        if (b.size() != 0) iov_[iov_count_++] = b;
    }
    transferred_ = 0;
    error_.clear();
    if (iov_count_ == 0) {
        // Nothing to write: still one completion, through the port, so the
        // owner never sees done from inside its own start call.
        stream_->async_send(asio::const_buffer(), MSG_NOSIGNAL, completion{this});
        return;
    }
    begin();
}

void worker_op::start_handshake(stream& s) {
    assert(idle());
    assert(layer_ != nullptr);
    busy_.store(true, std::memory_order_release);
    stream_ = &s;
    kind_ = kind::handshake;
    transferred_ = 0;
    error_.clear();
    begin();
}

void worker_op::issue() {
    if (layer_) {
        switch (kind_) {
        case kind::handshake:
            layer_->async_handshake(completion{this});
            return;
        case kind::read:
            layer_->async_read_some(asio::mutable_buffer(read_at_, read_room_), completion{this});
            return;
        case kind::write:
            layer_->async_write_some(
                std::span<const asio::const_buffer>(iov_.data() + iov_first_, iov_count_),
                completion{this});
            return;
        }
    }
    if (kind_ == kind::read) {
        stream_->async_read_some(asio::mutable_buffer(read_at_, read_room_), completion{this});
    } else {
        // MSG_NOSIGNAL: a peer that went away is an error, never SIGPIPE. Asio
        // adds it on its epoll path but not on its io_uring path.
        stream_->async_send(
            std::span<const asio::const_buffer>(iov_.data() + iov_first_, iov_count_),
            MSG_NOSIGNAL, completion{this});
    }
}

void worker_op::on_complete(const std::error_code& ec, std::size_t n) {
    transferred_ += n;
    if (ec) {
        finish(ec);
        return;
    }
    if (kind_ == kind::handshake) {
        finish({});
        return;
    }
    if (kind_ == kind::read) {
        if (n == 0 && read_needed_ > 0) {
            finish(asio::error::eof);
            return;
        }
        read_at_ += n;
        read_room_ -= n;
        read_needed_ = n >= read_needed_ ? 0 : read_needed_ - n;
        if (read_needed_ > 0) {
            issue();  // short read: resume
            return;
        }
    } else {
        while (n > 0 && iov_count_ > 0) {
            asio::const_buffer& first = iov_[iov_first_];
            if (n >= first.size()) {
                n -= first.size();
                ++iov_first_;
                --iov_count_;
            } else {
                first += n;
                n = 0;
            }
        }
        if (iov_count_ > 0) {
            issue();  // short write: resume
            return;
        }
    }
    finish({});
}

void worker_op::finish(const std::error_code& ec) {
    error_ = ec;
    fsm& owner = *owner_;
    fsm_ctx& ctx = owner.ctx();
    ctx.enter();
    // Idle before the upcall, so the owner may start the next transfer at once;
    // and only inside the ctx, so nobody who checks idle() under the ctx can
    // free the owner while this completion still runs.
    busy_.store(false, std::memory_order_release);
    ctx.deliver(owner, source_, ec ? event::error : event::done, this);
    ctx.leave();
}

}  // namespace nanoport::aio
