// dist: fan-out to every pipe, for PUB, BUS and SURVEYOR. nanomsg's nn_dist.
//
// send() hands each writable pipe its own message object sharing one body (no
// body is copied). A pipe that is full does not get the message: it is
// dropped for that pipe and counted, in the pipe's node and in the result, so
// that "sent = delivered + dropped" can be checked exactly. A pipe whose
// send() reports full leaves the fan-out until writable() brings it back.
// dist never blocks: PUB and BUS do not apply back-pressure (WIRE.md).
//
// Callers: a protocol, inside the socket's ctx (no locks). The per-pipe node
// lives in the protocol's pipe_attachment; no allocation but the per-copy
// message objects' shared-body references.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aio/message.hpp"
#include "transport/pipe.hpp"

namespace nanoport::protocols::utils {

class dist {
public:
    struct node {
        node* prev = nullptr;
        node* next = nullptr;
        transport::pipe* pipe = nullptr;
        bool writable = false;
        std::uint64_t dropped = 0;  // messages this pipe missed because it was full
    };

    struct result {
        std::size_t delivered = 0;  // pipes that took the message
        std::size_t dropped = 0;    // pipes that were full
    };

    dist() = default;
    dist(const dist&) = delete;
    dist& operator=(const dist&) = delete;

    // A new pipe is writable at once.
    void add(node& n, transport::pipe& p) noexcept;
    // Forgets the pipe; n may be destroyed afterwards.
    void remove(node& n) noexcept;
    void writable(node& n) noexcept { n.writable = true; }

    // Sends m to every pipe but `except` (null: all). m itself is not consumed.
    result send(const aio::message& m, const transport::pipe* except = nullptr);

    std::size_t size() const noexcept { return count_; }

private:
    node* head_ = nullptr;
    std::size_t count_ = 0;
};

}  // namespace nanoport::protocols::utils
