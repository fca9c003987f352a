// Test doubles for core::socket's unit tests: a pipe whose peer the test
// plays, a PAIR-like protocol over one pipe, and endpoints that stop when the
// test says so. With them the socket's blocking, timeout, close and
// terminate logic is tested without any transport or real protocol.
#pragma once

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "aio/message.hpp"
#include "aio/pool.hpp"
#include "core/socket.hpp"
#include "protocols/protocol.hpp"
#include "transport/pipe.hpp"

namespace nanoport::test {

inline aio::message text_message(const std::string& text) {
    return aio::message::copy_of(
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
}

inline std::string text_of(const aio::message& m) {
    return std::string(reinterpret_cast<const char*>(m.body().data()), m.size());
}

// A pipe whose far end is the test: it fills `inbox` and reads `sent`.
class fake_pipe final : public transport::pipe {
public:
    bool send(aio::message&& m) override {
        sent.push_back(std::move(m));
        return sent.size() < capacity;
    }
    receive_result receive(aio::message& out) override {
        if (inbox.empty()) return {};
        out = std::move(inbox.front());
        inbox.pop_front();
        return {true, !inbox.empty()};
    }
    void close() override { closed = true; }
    std::uint16_t peer_protocol() const override { return 16; }
    int send_priority() const override { return 8; }
    int receive_priority() const override { return 8; }
    std::string describe() const override { return "fake://"; }
    bool delivers_on_peer_thread() const override { return on_peer_thread; }

    bool on_peer_thread = false;  // play an inproc pipe
    std::size_t capacity = 1000;  // messages queued before send() reports full
    std::vector<aio::message> sent;
    std::deque<aio::message> inbox;
    bool closed = false;
};

// PAIR-like: one pipe at a time; a second one is refused.
class fake_protocol final : public protocols::protocol {
public:
    std::uint16_t id() const override { return 16; }
    std::error_code add(transport::pipe& p) override {
        ++added;
        if (pipe_) return std::make_error_code(std::errc::already_connected);
        pipe_ = &p;
        writable_ = true;
        readable_ = false;
        return {};
    }
    void remove(transport::pipe& p) override {
        ++removed;
        if (pipe_ == &p) pipe_ = nullptr;
    }
    void readable(transport::pipe&) override { readable_ = true; }
    void writable(transport::pipe&) override { writable_ = true; }
    std::error_code send(aio::message& m) override {
        if (!pipe_ || !writable_)
            return std::make_error_code(std::errc::resource_unavailable_try_again);
        writable_ = pipe_->send(std::move(m));
        return {};
    }
    std::error_code receive(aio::message& m) override {
        if (!pipe_ || !readable_)
            return std::make_error_code(std::errc::resource_unavailable_try_again);
        const auto r = pipe_->receive(m);
        readable_ = r.more;
        if (!r.received) return std::make_error_code(std::errc::resource_unavailable_try_again);
        return {};
    }
    bool can_send() const override { return pipe_ && writable_; }
    bool can_receive() const override { return pipe_ && readable_; }
    std::error_code set_option(int level, int option, std::span<const std::byte> value) override {
        last_option_level = level;
        last_option = option;
        last_option_size = value.size();
        return std::make_error_code(std::errc::no_protocol_option);
    }

    int added = 0;
    int removed = 0;
    int last_option_level = -100;
    int last_option = -100;
    std::size_t last_option_size = 0;

private:
    transport::pipe* pipe_ = nullptr;
    bool writable_ = false;
    bool readable_ = false;
};

// An endpoint that stops when told to: at once inside close() (stop_in_close),
// or later when the test calls stop().
class fake_endpoint final : public transport::endpoint {
public:
    fake_endpoint(transport::socket_hooks& s, std::string address, bool stop_in_close)
        : socket_(s), address_(std::move(address)), stop_in_close_(stop_in_close) {}
    ~fake_endpoint() override {
        // The socket must not destroy an endpoint from inside endpoint_stopped.
        CHECK_FALSE(inside_stopped_);
        ++destroyed;
    }
    void close() override {
        closed = true;
        if (stop_in_close_) stop();
    }
    // Inside the socket's ctx.
    void stop() {
        inside_stopped_ = true;
        socket_.endpoint_stopped(*this);
        inside_stopped_ = false;
    }
    const std::string& address() const override { return address_; }

    bool closed = false;
    static inline int destroyed = 0;

private:
    transport::socket_hooks& socket_;
    std::string address_;
    bool stop_in_close_;
    bool inside_stopped_ = false;
};

// core::endpoint_maker is a plain function: its fakes live here, per process.
struct fake_endpoints {
    static inline bool stop_in_close = true;
    static inline std::vector<fake_endpoint*> made;

    // "fake://bad" is a malformed address, "fake://used" is in use.
    static std::error_code make(transport::socket_hooks& s, const std::string& url, bool,
                                std::unique_ptr<transport::endpoint>& out) {
        if (url == "fake://bad") return std::make_error_code(std::errc::invalid_argument);
        if (url == "fake://used") return std::make_error_code(std::errc::address_in_use);
        auto e = std::make_unique<fake_endpoint>(s, url, stop_in_close);
        made.push_back(e.get());
        out = std::move(e);
        return {};
    }
};

// One worker for every fake socket of the process: fakes start no I/O, the
// socket only hands the pool on.
inline aio::pool& fake_pool() {
    static aio::pool pool(1);
    return pool;
}

// A socket over a fake_protocol, with one fake pipe ready to attach.
struct socket_fixture {
    explicit socket_fixture(int protocol_number = 16)
        : protocol(new fake_protocol),
          socket(1, protocol_number, std::unique_ptr<protocols::protocol>(protocol), fake_pool(),
                 &fake_endpoints::make) {}
    ~socket_fixture() {
        socket.begin_close();
        socket.wait_closed();
    }

    template <typename F>
    auto inside(F f) {
        socket.ctx().enter();
        struct leave_on_exit {
            aio::fsm_ctx& c;
            ~leave_on_exit() { c.leave(); }
        } guard{socket.ctx()};
        return f();
    }

    std::error_code attach(fake_pipe& p) {
        return inside([&] { return socket.pipe_added(p); });
    }
    void detach(fake_pipe& p) {
        inside([&] { socket.pipe_removed(p); });
    }
    // The peer sends a message.
    void deliver(fake_pipe& p, const std::string& text) {
        inside([&] {
            const bool was_empty = p.inbox.empty();
            p.inbox.push_back(text_message(text));
            if (was_empty) socket.pipe_readable(p);
        });
    }
    // The peer read everything: the pipe takes messages again.
    void drain(fake_pipe& p) {
        inside([&] {
            p.sent.clear();
            socket.pipe_writable(p);
        });
    }
    void set_int(int level, int option, int value) {
        REQUIRE_FALSE(socket.set_option(
            level, option,
            std::span<const std::byte>(reinterpret_cast<const std::byte*>(&value), sizeof value)));
    }

    fake_protocol* protocol;  // owned by socket
    core::socket socket;
    fake_pipe pipe;
};

}  // namespace nanoport::test
