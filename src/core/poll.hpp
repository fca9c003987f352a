// poll: nn_poll. Waits until some of the given sockets can send or receive,
// by polling their readiness fds (NN_SNDFD / NN_RCVFD, see eventfd.hpp) with
// the OS's poll(2), as nanomsg does.
//
// Every socket polled is held for the duration: nn_close on another thread
// makes the socket's fds readable, so the poll returns, reports the socket
// ready, and the next call on it fails with EBADF. nn_term does the same,
// and the next call fails with ETERM.
//
// Threads: any.
#pragma once

#include <span>
#include <system_error>

#include "core/socket_table.hpp"

namespace nanoport::core {

struct poll_item {
    int handle = -1;
    bool want_receive = false;  // NN_POLLIN
    bool want_send = false;     // NN_POLLOUT
    bool can_receive = false;   // result
    bool can_send = false;      // result
};

// timeout_ms < 0: no limit. ready: the number of items with a result set.
// Errors: those of holding a socket and of getting its fds (EBADF, ETERM,
// ENOPROTOOPT for NN_POLLOUT on a PULL socket, ...), EINTR, ENOMEM.
std::error_code poll(socket_table& table, std::span<poll_item> items, int timeout_ms, int& ready);

}  // namespace nanoport::core
