// handler_memory: fixed storage, inside an owner, for the operation objects Asio
// creates when an asynchronous operation is started. A completion handler that
// names a handler_slot as its associated allocator makes Asio place its
// operation there instead of on the heap, so starting and completing an op
// allocates nothing.
//
// Contract: a slot holds one operation at a time. Asio frees the operation's
// memory before it calls the handler, so an owner may start its next operation
// from inside the completion. If a slot is already taken (or too small) the
// allocator falls back to the heap: correct, just slower; tests count it.
//
// Threads: allocate() runs on the thread that starts the operation,
// deallocate() on the worker thread that completes it; the flag is atomic for
// that hand-over.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>

namespace nanoport::aio {

class handler_slot {
public:
    // Asio's largest operation we start: an epoll-reactor send is ~160 bytes;
    // an io_uring send carries its own iovec array and msghdr (~1.3 KB).
#if defined(ASIO_HAS_IO_URING)
    static constexpr std::size_t capacity = 1536;
#else
    static constexpr std::size_t capacity = 384;
#endif

    handler_slot() = default;
    handler_slot(const handler_slot&) = delete;
    handler_slot& operator=(const handler_slot&) = delete;

    void* allocate(std::size_t size) {
        if (size <= capacity && !in_use_.exchange(true, std::memory_order_acquire)) {
            return storage_;
        }
        return ::operator new(size);
    }

    void deallocate(void* p) noexcept {
        if (p == storage_) {
            in_use_.store(false, std::memory_order_release);
        } else {
            ::operator delete(p);
        }
    }

private:
    alignas(std::max_align_t) unsigned char storage_[capacity];
    std::atomic<bool> in_use_{false};
};

// A standard allocator over a handler_slot, the type Asio rebinds to its
// operation types.
template <typename T>
class slot_allocator {
public:
    using value_type = T;

    explicit slot_allocator(handler_slot& slot) noexcept : slot_(&slot) {}
    template <typename U>
    slot_allocator(const slot_allocator<U>& other) noexcept : slot_(other.slot_) {}

    T* allocate(std::size_t n) { return static_cast<T*>(slot_->allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { slot_->deallocate(p); }

    template <typename U>
    bool operator==(const slot_allocator<U>& other) const noexcept { return slot_ == other.slot_; }

private:
    template <typename>
    friend class slot_allocator;
    handler_slot* slot_;
};

}  // namespace nanoport::aio
