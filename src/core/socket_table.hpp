// socket_table: the int handles of the C API. nn_socket() puts a socket in
// the lowest free slot (0, 1, 2, ... as in nanomsg) and returns its index;
// every other call holds the socket through a ref for its duration, so that
// nn_close() on one thread is safe while another thread is inside nn_send()
// on the same handle: close marks the slot closing (new holds fail with
// EBADF), wakes the blocked calls (they return EBADF), waits until every ref
// is released and every endpoint has stopped, and only then frees the socket
// and the slot.
//
// Holding is lock-free (an atomic count per slot): the table's mutex is only
// taken by open, close and terminate, so sends on different sockets never
// contend on it.
//
// Capacity: nanomsg's is 512. Ours is NANOPORT_MAX_SOCKETS from the
// environment when the global table is first used (1 .. 1048576), else
// set_global_capacity() called before that, else 4096. Full: EMFILE.
//
// nn_term(): terminate() flags the table; blocked calls on every socket wake
// with ETERM, later holds fail with ETERM and open() too. close() still
// works (sockets must still be closed), as nanomsg documents.
//
// Threads: everything is thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/socket.hpp"

namespace nanoport::core {

class socket_table {
    struct slot;

public:
    static constexpr std::size_t default_capacity = 4096;
    static constexpr std::size_t max_capacity = 1 << 20;

    explicit socket_table(std::size_t capacity);
    // Closes the sockets still open (private tables in tests).
    ~socket_table();
    socket_table(const socket_table&) = delete;
    socket_table& operator=(const socket_table&) = delete;

    // The table behind the C API, made on first use and never destroyed
    // (threads may still be inside nn_* calls while the process exits).
    static socket_table& global();
    // Capacity of the global table; false (and nothing changes) once it exists.
    static bool set_global_capacity(std::size_t capacity);

    std::size_t capacity() const noexcept { return capacity_; }

    // A hold on one socket: it stays alive, and its handle stays reserved,
    // until the ref is destroyed.
    class ref {
    public:
        ref() noexcept = default;
        ref(ref&& other) noexcept;
        ref& operator=(ref&& other) noexcept;
        ~ref();

        socket* operator->() const noexcept { return socket_; }
        socket& operator*() const noexcept { return *socket_; }
        socket* get() const noexcept { return socket_; }
        explicit operator bool() const noexcept { return socket_ != nullptr; }
        void reset() noexcept;

    private:
        friend class socket_table;
        ref(slot* s, socket* sock) noexcept : slot_(s), socket_(sock) {}
        slot* slot_ = nullptr;
        socket* socket_ = nullptr;
    };

    // Adds s; handle is its slot. EMFILE when full, ETERM after terminate().
    std::error_code open(std::unique_ptr<socket> s, int& handle);
    // EBADF for a handle that is not open (or is closing), ETERM after terminate().
    std::error_code hold(int handle, ref& out);
    // nn_close: blocks until the socket is gone. EBADF as for hold (not ETERM).
    std::error_code close(int handle);

    void terminate();
    bool terminated() const noexcept { return terminated_.load(std::memory_order_acquire); }

private:
    struct slot {
        std::atomic<socket*> live{nullptr};  // set by open, cleared by close (under mutex_)
        // bit 0: closing; the rest: number of refs times 2. Any thread.
        std::atomic<std::uint32_t> state{0};
        std::unique_ptr<socket> owner;  // guarded by mutex_
    };
    static constexpr std::uint32_t closing_bit = 1;
    static constexpr std::uint32_t one_ref = 2;
    static void release(slot& s) noexcept;

    const std::size_t capacity_;
    std::unique_ptr<slot[]> slots_;
    std::mutex mutex_;
    std::size_t lowest_free_ = 0;  // every slot below it is taken; guarded by mutex_
    std::atomic<bool> terminated_{false};
};

}  // namespace nanoport::core
