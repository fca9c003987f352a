// worker_op: nanomsg's nn_worker_op in C++. An operation object embedded in
// its owner (a pipe has one for reading and one for writing) that carries one
// OS-level stream transfer, its cursor, its owner and a source id.
//
// Its completion handler holds only a pointer back to the op, and Asio places
// the operation in the op's own handler_slot, so a transfer allocates nothing.
// On each completion the op advances its cursor and, while bytes remain,
// re-issues the transfer: partial transfers are resumed here and nowhere else.
// Only then is the owner fed one event: event::done, or event::error with
// error() set (end of stream arrives as asio::error::eof; cancellation as
// asio::error::operation_aborted).
//
// A stream_layer (TLS) may sit between the op and its socket: then the
// transfers go through the layer, which makes the socket's system calls
// itself, and start_handshake() runs the layer's handshake.
//
// Threads: start_*() on the owner's worker thread (the stream belongs to it),
// at most one transfer in flight per op. start_*() only records the transfer;
// its first system call is made from the worker's queue once the caller has
// returned (and left its ctx). Completions run on that worker, inside
// the owner's ctx. A cancelled transfer still completes; the op (and so its
// owner) must stay alive until it has, which idle() tells.
#pragma once

#include <asio/buffer.hpp>
#include <asio/generic/stream_protocol.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <span>
#include <system_error>

#include "aio/fsm.hpp"
#include "aio/handler_memory.hpp"

namespace nanoport::aio {

class stream_layer;

class worker_op {
public:
    // TCP and Unix-domain sockets alike are driven through Asio's generic stream socket.
    using stream = asio::generic::stream_protocol::socket;
    // Most buffers one gather write takes.
    static constexpr std::size_t max_iov = 16;

    worker_op(fsm& owner, int source) noexcept : owner_(&owner), source_(source) {}
    worker_op(const worker_op&) = delete;
    worker_op& operator=(const worker_op&) = delete;

    // Reads into buf until at least min_bytes have arrived (1 <= min_bytes <=
    // buf.size()); whatever more the stream had ready, up to buf.size(), comes too.
    void start_read(stream& s, std::span<std::byte> buf, std::size_t min_bytes);
    // Writes every byte of bufs, in order (bufs.size() <= max_iov).
    void start_write(stream& s, std::span<const asio::const_buffer> bufs);
    // Runs the layer's handshake (done: the layer is ready for transfers).
    void start_handshake(stream& s);

    // Sends every later transfer through layer (nullptr: straight to the
    // socket). Set before the first start, while the op is idle.
    void set_layer(stream_layer* layer) noexcept { layer_ = layer; }

    // The handler a stream_layer completes: a pointer to the op, and the
    // op's slot as the place for Asio's operation objects.
    struct completion;

    // No transfer in flight: the op may be restarted, or its owner destroyed.
    bool idle() const noexcept { return !busy_.load(std::memory_order_acquire); }
    // Bytes moved by the last transfer (valid in the owner's done/error handler).
    std::size_t transferred() const noexcept { return transferred_; }
    const std::error_code& error() const noexcept { return error_; }
    int source() const noexcept { return source_; }

private:
    enum class kind : unsigned char { read, write, handshake };
    struct starter;

    void begin();  // issues the first transfer from the worker's queue
    void issue();
    void on_complete(const std::error_code& ec, std::size_t n);
    void finish(const std::error_code& ec);

    fsm* owner_;
    int source_;
    stream* stream_ = nullptr;
    stream_layer* layer_ = nullptr;
    kind kind_ = kind::read;
    std::atomic<bool> busy_{false};  // set by the starting thread, cleared by the worker

    // Read cursor: where the next byte goes, room left, bytes still required.
    std::byte* read_at_ = nullptr;
    std::size_t read_room_ = 0;
    std::size_t read_needed_ = 0;

    // Write cursor: the buffers not yet fully written, first one trimmed.
    std::array<asio::const_buffer, max_iov> iov_{};
    std::size_t iov_first_ = 0;
    std::size_t iov_count_ = 0;

    std::size_t transferred_ = 0;
    std::error_code error_;
    handler_slot memory_;
};

struct worker_op::completion {
    worker_op* op;

    using allocator_type = slot_allocator<void>;
    allocator_type get_allocator() const noexcept { return allocator_type(op->memory_); }

    void operator()(const std::error_code& ec, std::size_t n) const { op->on_complete(ec, n); }
};

// A byte-stream transformation over an op's socket (TLS). The op calls it
// on the worker thread only, at most one read and one write at a time (from
// the two ops of one owner); each call completes its handler exactly once.
class stream_layer {
public:
    virtual ~stream_layer() = default;
    virtual void async_handshake(worker_op::completion h) = 0;
    virtual void async_read_some(asio::mutable_buffer b, worker_op::completion h) = 0;
    // May write fewer bytes than given (the op resumes the rest).
    virtual void async_write_some(std::span<const asio::const_buffer> bufs,
                                  worker_op::completion h) = 0;
};

}  // namespace nanoport::aio
