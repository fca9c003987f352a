// test_pipe: an in-memory transport::pipe for protocol unit tests, standing in
// for tcp/ipc/inproc pipes. It keeps the pipe contract the protocols rely on
// and checks that the protocol keeps its side:
// - send() queues the message in `sent` and returns false once `capacity`
//   messages are queued; calling send() again before make_room() is a failure.
// - receive() hands out `inbox` messages in order; `more` says whether another
//   is left.
// - It never calls back into the protocol: the test plays the socket and
//   calls protocol::writable()/readable() when make_room()/deliver() say so.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aio/message.hpp"
#include "transport/pipe.hpp"

namespace nanoport::test {

inline aio::message text_message(std::string_view text) {
    return aio::message::copy_of({reinterpret_cast<const std::byte*>(text.data()), text.size()});
}

inline std::string text_of(const aio::message& m) {
    return {reinterpret_cast<const char*>(m.body().data()), m.size()};
}

class test_pipe final : public transport::pipe {
public:
    static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

    explicit test_pipe(std::string name, int send_priority = 8, int receive_priority = 8,
                       std::size_t capacity = unlimited, std::uint16_t peer = 0)
        : name_(std::move(name)),
          send_priority_(send_priority),
          receive_priority_(receive_priority),
          capacity_(capacity),
          peer_(peer) {}

    bool send(aio::message&& m) override {
        CHECK_MESSAGE(writable_, name_, ": send() after it reported full");
        sent.push_back(std::move(m));
        writable_ = sent.size() < capacity_;
        return writable_;
    }

    receive_result receive(aio::message& out) override {
        ++receive_calls;
        if (inbox.empty()) return {};
        out = std::move(inbox.front());
        inbox.pop_front();
        return {true, !inbox.empty()};
    }

    void close() override { closed = true; }
    std::uint16_t peer_protocol() const override { return peer_; }
    int send_priority() const override { return send_priority_; }
    int receive_priority() const override { return receive_priority_; }
    std::string describe() const override { return name_; }

    // The peer sends text. True when the pipe had nothing before: the socket
    // then calls protocol::readable().
    bool deliver(std::string_view text) {
        inbox.push_back(text_message(text));
        return inbox.size() == 1;
    }
    // The peer took everything queued. True when the pipe had reported full:
    // the socket then calls protocol::writable().
    bool make_room() {
        sent.clear();
        const bool was_full = !writable_;
        writable_ = true;
        return was_full;
    }
    // Bodies of the messages sent so far, in order.
    std::vector<std::string> sent_texts() const {
        std::vector<std::string> texts;
        for (const auto& m : sent) texts.push_back(text_of(m));
        return texts;
    }
    bool writable() const { return writable_; }

    std::deque<aio::message> sent;
    std::deque<aio::message> inbox;
    int receive_calls = 0;
    bool closed = false;

private:
    std::string name_;
    int send_priority_;
    int receive_priority_;
    std::size_t capacity_;
    std::uint16_t peer_;
    bool writable_ = true;
};

}  // namespace nanoport::test
