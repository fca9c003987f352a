// excl: exactly one pipe at a time, for PAIR. nanomsg's nn_excl.
//
// The first pipe added is the one; any other pipe is refused while it lives
// (already_connected, as nanomsg's nn_excl_add says EISCONN), and the socket
// closes the refused pipe. Once the pipe is removed, the next one added takes
// its place. Messages go to and come from that pipe only, with back-pressure
// both ways: send() and receive() say resource_unavailable_try_again while the
// pipe is full / has nothing, or while there is no pipe.
//
// The pipe is remembered by address, so excl needs no pipe_attachment. Calls
// about any other pipe (one it refused) are ignored.
//
// Callers: a protocol, inside the socket's ctx (no locks). O(1), no allocation.
#pragma once

#include <system_error>

#include "aio/message.hpp"
#include "transport/pipe.hpp"

namespace nanoport::protocols::utils {

class excl {
public:
    // Takes p if there is no pipe yet (it starts writable and not readable, as
    // every new pipe); else std::errc::already_connected.
    std::error_code add(transport::pipe& p) noexcept;
    // Forgets p if it is ours.
    void remove(transport::pipe& p) noexcept;
    void writable(transport::pipe& p) noexcept;
    void readable(transport::pipe& p) noexcept;

    // Exact: true iff send() / receive() would succeed now.
    bool can_send() const noexcept { return pipe_ && writable_; }
    bool can_receive() const noexcept { return pipe_ && readable_; }

    std::error_code send(aio::message& m) noexcept;
    std::error_code receive(aio::message& m) noexcept;

    // The pipe in use, or null.
    transport::pipe* current() const noexcept { return pipe_; }

private:
    transport::pipe* pipe_ = nullptr;
    bool writable_ = false;
    bool readable_ = false;
};

}  // namespace nanoport::protocols::utils
