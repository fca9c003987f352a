// received_queue: the messages a connection has read and its protocol has
// not taken yet, what they count against NN_RCVBUF, and whether the
// protocol has been told that one waits (socket_hooks::pipe_readable, once
// per empty -> non-empty as the protocol sees it). Shared by stream_pipe and
// ws_pipe.
//
// Threads: none of its own; used inside the socket's ctx.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include "aio/message.hpp"
#include "aio/ring_queue.hpp"
#include "transport/pipe.hpp"

namespace nanoport::transport {

class received_queue {
public:
    // Least a message counts while it waits: about what an empty one costs
    // in memory (the message object in the queue). Without it, zero-length
    // messages would count nothing, and a peer sending only those could grow
    // the queue without bound.
    static constexpr std::size_t least_cost = 64;

    // Queues m; true when the protocol is to be told that a message waits.
    bool push(aio::message&& m) {
        bytes_ += cost(m);
        queue_.push_back(std::move(m));
        return !std::exchange(reported_, true);
    }
    // Takes the next message into out, if any.
    pipe::receive_result pop(aio::message& out) {
        if (queue_.empty()) {
            reported_ = false;
            return {};
        }
        out = std::move(queue_.front());
        queue_.pop_front();
        bytes_ -= cost(out);
        const bool more = !queue_.empty();
        if (!more) reported_ = false;
        return {true, more};
    }
    void clear() noexcept {
        queue_.clear();
        bytes_ = 0;
    }

    bool empty() const noexcept { return queue_.empty(); }
    std::size_t size() const noexcept { return queue_.size(); }
    // What the queued messages count against NN_RCVBUF.
    std::size_t bytes() const noexcept { return bytes_; }

private:
    static std::size_t cost(const aio::message& m) noexcept { return std::max(m.size(), least_cost); }

    aio::ring_queue<aio::message> queue_;
    std::size_t bytes_ = 0;
    bool reported_ = false;
};

}  // namespace nanoport::transport
