// eventfd: a level-triggered readiness signal an event loop can poll, on
// Linux's eventfd(2). It backs NN_SNDFD and NN_RCVFD: the socket keeps the fd
// readable exactly while it can send (receive), so poll()/select()/epoll and
// nn_poll see the socket's state without calling into it.
//
// The fd is created on first use (most sockets are never polled) and closed
// with the object. set(true) makes it readable (counter 1), set(false) drains
// it; a set() that changes nothing costs no system call.
//
// Threads: set() and open() inside the owning socket's ctx; fd() is stable once
// opened. Any thread may poll the fd.
#pragma once

#include <system_error>

namespace nanoport::core {

class eventfd {
public:
    eventfd() = default;
    ~eventfd();
    eventfd(const eventfd&) = delete;
    eventfd& operator=(const eventfd&) = delete;

    // Creates the fd (idempotent), readable iff `signalled`.
    std::error_code open(bool signalled);
    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }

    // Makes the fd readable or not; a no-op before open().
    void set(bool signalled) noexcept;

private:
    int fd_ = -1;
    bool signalled_ = false;
};

}  // namespace nanoport::core
