// backtrace_support: helpers for the tests of the protocols that carry a
// backtrace (REQ/REP, SURVEYOR/RESPONDENT).
// - wire(): a message as a tcp/ipc pipe delivers it: backtrace words and body
//   together in the body, header empty.
// - words_of(): a header as its 32-bit words.
// - arrive(): messages reach a test_pipe; the test, playing the socket,
//   calls protocol::readable() when the pipe had nothing before.
// - timer_host and watched_pipe: a protocol_host with a real worker (from a
//   private aio::pool) and ctx, for REQ's resend and SURVEYOR's deadline, and
//   a pipe whose sends wake the test. The test waits on host.events for
//   what a timer does; it never sleeps. Lock order: the ctx, then
//   host.events (a timer fires inside the ctx and a pipe send or
//   readiness_changed() then takes host.events); a wait_for() predicate
//   runs under host.events and must not enter the ctx.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/message.hpp"
#include "aio/pool.hpp"
#include "protocols/protocol.hpp"
#include "protocols/test_pipe.hpp"
#include "support/wait.hpp"
#include "transport/pipe.hpp"

namespace nanoport::test {

inline aio::message wire(std::initializer_list<std::uint32_t> words, std::string_view body) {
    aio::message m(words.size() * 4 + body.size());
    std::byte* at = m.mutable_body().data();
    for (const std::uint32_t w : words) {
        at[0] = std::byte(w >> 24);
        at[1] = std::byte(w >> 16);
        at[2] = std::byte(w >> 8);
        at[3] = std::byte(w);
        at += 4;
    }
    if (!body.empty()) std::memcpy(at, body.data(), body.size());
    return m;
}

// A message of raw bytes (hostile payloads that are not whole words).
inline aio::message raw_bytes(std::initializer_list<unsigned char> bytes) {
    std::vector<std::byte> data;
    for (const unsigned char b : bytes) data.push_back(std::byte(b));
    return aio::message::copy_of(data);
}

inline std::vector<std::uint32_t> words_of(std::span<const std::byte> header) {
    std::vector<std::uint32_t> words;
    for (std::size_t i = 0; i + 4 <= header.size(); i += 4) {
        words.push_back(std::uint32_t(header[i]) << 24 | std::uint32_t(header[i + 1]) << 16 |
                        std::uint32_t(header[i + 2]) << 8 | std::uint32_t(header[i + 3]));
    }
    return words;
}

inline void arrive(protocols::protocol& proto, test_pipe& p, aio::message m) {
    const bool was_empty = p.inbox.empty();
    p.inbox.push_back(std::move(m));
    if (was_empty) proto.readable(p);
}
// Several messages reach p together: all are queued before the protocol
// hears of them (REQ and SURVEYOR read as soon as they hear).
inline void arrive(protocols::protocol& proto, test_pipe& p,
                   std::initializer_list<aio::message> messages) {
    const bool was_empty = p.inbox.empty();
    for (const aio::message& m : messages) p.inbox.push_back(m);
    if (was_empty) proto.readable(p);
}

class timer_host final : public protocols::protocol_host {
public:
    timer_host() : workers_(1) {}

    aio::fsm_ctx& ctx() override { return ctx_; }
    aio::worker& timer_worker() override { return workers_.at(0); }
    void readiness_changed() override {
        auto lock = events.lock();
        ++readiness_changes;
        events.notify();
    }

    // Runs f inside the ctx, as the socket does for every protocol call. A
    // failed REQUIRE throws: the ctx is left all the same, so the rest of the
    // test (and the timer's worker) does not hang on it.
    template <typename F>
    void inside(F&& f) {
        struct leave_on_exit {
            aio::fsm_ctx& ctx;
            ~leave_on_exit() { ctx.leave(); }
        };
        ctx_.enter();
        const leave_on_exit guard{ctx_};
        f();
    }
    int changes() {
        auto lock = events.lock();
        return readiness_changes;
    }

    // The socket's close: stop() inside the ctx, then wait until idle().
    void stop(protocols::protocol& proto) {
        bool idle = false;
        int before = 0;
        inside([&] {
            proto.stop();
            idle = proto.idle();
            before = changes();
        });
        if (!idle) REQUIRE(events.wait_for([&] { return readiness_changes > before; }));
        inside([&] { idle = proto.idle(); });
        CHECK(idle);
    }

    notifier events;
    int readiness_changes = 0;  // guarded by events

private:
    aio::pool workers_;  // declared before ctx_ and destroyed after it
    aio::fsm_ctx ctx_;
};

// A pipe that always takes messages (never full) and wakes host.events on
// each; `sent` is guarded by host.events. inbox is used inside the ctx only.
class watched_pipe final : public transport::pipe {
public:
    watched_pipe(timer_host& host, std::string name) : host_(host), name_(std::move(name)) {}

    bool send(aio::message&& m) override {
        auto lock = host_.events.lock();
        sent.push_back(std::move(m));
        host_.events.notify();
        return true;
    }
    receive_result receive(aio::message& out) override {
        if (inbox.empty()) return {};
        out = std::move(inbox.front());
        inbox.pop_front();
        return {true, !inbox.empty()};
    }
    void close() override {}
    std::uint16_t peer_protocol() const override { return 0; }
    int send_priority() const override { return 8; }
    int receive_priority() const override { return 8; }
    std::string describe() const override { return name_; }

    std::size_t sent_count() {
        auto lock = host_.events.lock();
        return sent.size();
    }
    // Header words of the n-th message sent.
    std::vector<std::uint32_t> sent_header(std::size_t n) {
        auto lock = host_.events.lock();
        return words_of(sent.at(n).header());
    }

    std::deque<aio::message> sent;  // guarded by host.events
    std::deque<aio::message> inbox;

private:
    timer_host& host_;
    std::string name_;
};

}  // namespace nanoport::test
