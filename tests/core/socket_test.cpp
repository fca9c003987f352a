#include "core/socket.hpp"

#include <doctest/doctest.h>

#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "core/fakes.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/pipeline.h"
#include "support/wait.hpp"

using namespace nanoport;
using namespace nanoport::test;
using namespace std::chrono_literals;

namespace {

// Waits until a thread is asleep inside one of the socket's blocking calls.
bool wait_for_sleeper(const core::socket& s) {
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (s.sleeping_callers() == 0) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::yield();
    }
    return true;
}

// Starts a blocking receive on another thread, waits until it sleeps,
// delivers text from the peer, and returns what the receive got ("" and a
// failed check if it failed).
std::string receive_once_asleep(socket_fixture& f, const std::string& text) {
    std::error_code result = std::make_error_code(std::errc::resource_unavailable_try_again);
    std::string got;
    std::thread receiver([&] {
        aio::message m;
        result = f.socket.receive(m, 0);
        got = text_of(m);
    });
    const bool slept = wait_for_sleeper(f.socket);
    CHECK(slept);
    f.deliver(f.pipe, text);
    receiver.join();
    CHECK_FALSE(result);
    return got;
}

bool fd_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

const std::error_code again = std::make_error_code(std::errc::resource_unavailable_try_again);
const std::error_code timed_out = std::make_error_code(std::errc::timed_out);
const std::error_code bad_fd = std::make_error_code(std::errc::bad_file_descriptor);

}  // namespace

TEST_CASE("send succeeds at once while the protocol can send") {
    socket_fixture f;
    REQUIRE_FALSE(f.attach(f.pipe));
    aio::message m = text_message("hello");
    CHECK_FALSE(f.socket.send(m, 0));
    REQUIRE(f.pipe.sent.size() == 1);
    CHECK(text_of(f.pipe.sent[0]) == "hello");
}

TEST_CASE("send with dont_wait says EAGAIN when nothing can take the message") {
    socket_fixture f;
    aio::message m = text_message("x");
    CHECK(f.socket.send(m, core::dont_wait) == again);
    CHECK(text_of(m) == "x");  // not consumed
}

TEST_CASE("receive with dont_wait says EAGAIN when nothing has arrived") {
    socket_fixture f;
    REQUIRE_FALSE(f.attach(f.pipe));
    aio::message m;
    CHECK(f.socket.receive(m, core::dont_wait) == again);
}

TEST_CASE("a send timeout ends a blocked send with ETIMEDOUT") {
    socket_fixture f;
    f.set_int(NN_SOL_SOCKET, NN_SNDTIMEO, 50);
    aio::message m = text_message("x");
    const auto start = std::chrono::steady_clock::now();
    CHECK(f.socket.send(m, 0) == timed_out);
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
}

TEST_CASE("a zero timeout is ETIMEDOUT at once, as in nanomsg") {
    socket_fixture f;
    f.set_int(NN_SOL_SOCKET, NN_RCVTIMEO, 0);
    aio::message m;
    CHECK(f.socket.receive(m, 0) == timed_out);
}

TEST_CASE("a blocked receive returns the message that arrives") {
    socket_fixture f;
    REQUIRE_FALSE(f.attach(f.pipe));
    CHECK(receive_once_asleep(f, "arrived") == "arrived");
}

TEST_CASE("a wait that spins first returns as soon as the generation moves") {
    core::wake_signal signal;
    const std::uint32_t seen = signal.generation();
    const auto start = std::chrono::steady_clock::now();
    std::thread waker([&] { signal.wake(); });
    // Spinning for up to 30 s: only noticing the move ends it early.
    CHECK(signal.wait(seen, std::nullopt, 30s));
    waker.join();
    CHECK(std::chrono::steady_clock::now() - start < 15s);
}

TEST_CASE("a spinning wait still ends at its deadline") {
    core::wake_signal signal;
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(signal.wait(signal.generation(), start + 20ms, 30s));
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 20ms);
    CHECK(waited < 15s);
}

TEST_CASE("awaiting an answer over inproc, a receive watches briefly, then sleeps") {
    socket_fixture f;
    f.pipe.on_peer_thread = true;
    REQUIRE_FALSE(f.attach(f.pipe));
    aio::message question = text_message("question");
    REQUIRE_FALSE(f.socket.send(question, 0));
    // The watch is bounded by the timeout too.
    aio::message none;
    CHECK(f.socket.receive(none, 0, 0ms) == timed_out);
    REQUIRE_FALSE(f.socket.send(question = text_message("again"), 0));
    // The receiver goes to sleep after its short watch: it does not spin on.
    CHECK(receive_once_asleep(f, "answer") == "answer");
}

TEST_CASE("a blocked send resumes when the pipe becomes writable again") {
    socket_fixture f;
    f.pipe.capacity = 1;
    REQUIRE_FALSE(f.attach(f.pipe));
    aio::message first = text_message("1");
    REQUIRE_FALSE(f.socket.send(first, 0));  // the pipe is full now
    std::error_code result = again;
    std::thread sender([&] {
        aio::message m = text_message("2");
        result = f.socket.send(m, 0);
    });
    REQUIRE(wait_for_sleeper(f.socket));
    f.drain(f.pipe);
    sender.join();
    CHECK_FALSE(result);
    REQUIRE(f.pipe.sent.size() == 1);
    CHECK(text_of(f.pipe.sent[0]) == "2");
}

TEST_CASE("a blocked receive keeps waiting through events that do not make it ready") {
    socket_fixture f;
    f.pipe.capacity = 1;
    REQUIRE_FALSE(f.attach(f.pipe));
    f.set_int(NN_SOL_SOCKET, NN_RCVTIMEO, 20000);
    std::error_code result = again;
    std::thread receiver([&] {
        aio::message m;
        result = f.socket.receive(m, 0);
    });
    REQUIRE(wait_for_sleeper(f.socket));
    f.drain(f.pipe);  // a writable event: nothing for a receiver
    CHECK(f.socket.sleeping_callers() == 1);
    f.deliver(f.pipe, "now");
    receiver.join();
    CHECK_FALSE(result);
}

TEST_CASE("closing wakes a blocked receive with EBADF") {
    socket_fixture f;
    std::error_code result;
    std::thread receiver([&] {
        aio::message m;
        result = f.socket.receive(m, 0);
    });
    REQUIRE(wait_for_sleeper(f.socket));
    f.socket.begin_close();
    receiver.join();
    CHECK(result == bad_fd);
}

TEST_CASE("terminate wakes a blocked send with ETERM and later calls fail with ETERM") {
    socket_fixture f;
    std::error_code result;
    std::thread sender([&] {
        aio::message m = text_message("x");
        result = f.socket.send(m, 0);
    });
    REQUIRE(wait_for_sleeper(f.socket));
    f.socket.terminate();
    sender.join();
    CHECK(result == core::errc::terminated);
    aio::message m;
    CHECK(f.socket.receive(m, core::dont_wait) == core::errc::terminated);
    int id = 0;
    CHECK(f.socket.add_endpoint("fake://a", true, id) == core::errc::terminated);
}

TEST_CASE("endpoint ids start at 1 and count up over binds and connects") {
    socket_fixture f;
    int a = 0, b = 0;
    REQUIRE_FALSE(f.socket.add_endpoint("fake://a", true, a));
    REQUIRE_FALSE(f.socket.add_endpoint("fake://b", false, b));
    CHECK(a == 1);
    CHECK(b == 2);
}

TEST_CASE("endpoint errors come back from add_endpoint and use no id") {
    socket_fixture f;
    int id = 0;
    CHECK(f.socket.add_endpoint("fake://bad", true, id) == std::errc::invalid_argument);
    CHECK(f.socket.add_endpoint("fake://used", true, id) == std::errc::address_in_use);
    REQUIRE_FALSE(f.socket.add_endpoint("fake://a", true, id));
    CHECK(id == 1);
}

TEST_CASE("removing an unknown endpoint id is EINVAL") {
    socket_fixture f;
    CHECK(f.socket.remove_endpoint(1) == std::errc::invalid_argument);
    int id = 0;
    REQUIRE_FALSE(f.socket.add_endpoint("fake://a", true, id));
    CHECK_FALSE(f.socket.remove_endpoint(id));
    CHECK(f.socket.remove_endpoint(id) == std::errc::invalid_argument);
}

TEST_CASE("an endpoint that stops inside close() is destroyed after that call returned") {
    fake_endpoints::stop_in_close = true;
    const int destroyed_before = fake_endpoint::destroyed;
    socket_fixture f;
    int id = 0;
    REQUIRE_FALSE(f.socket.add_endpoint("fake://a", true, id));
    REQUIRE_FALSE(f.socket.remove_endpoint(id));  // fake_endpoint checks where it dies
    CHECK(fake_endpoint::destroyed == destroyed_before + 1);
}

TEST_CASE("wait_closed waits until every endpoint has stopped") {
    fake_endpoints::stop_in_close = false;
    const int destroyed_before = fake_endpoint::destroyed;
    {
        socket_fixture f;
        int id = 0;
        REQUIRE_FALSE(f.socket.add_endpoint("fake://a", true, id));
        fake_endpoint* e = fake_endpoints::made.back();
        std::atomic<bool> closed{false};
        std::thread closer([&] {
            f.socket.begin_close();
            f.socket.wait_closed();
            closed = true;
        });
        // The endpoint was asked to close but has not stopped: close waits.
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!f.inside([&] { return e->closed; }) && std::chrono::steady_clock::now() < until) {
            std::this_thread::yield();
        }
        REQUIRE(f.inside([&] { return e->closed; }));
        CHECK_FALSE(closed.load());
        f.inside([&] { e->stop(); });
        closer.join();
        CHECK(closed.load());
        CHECK(fake_endpoint::destroyed == destroyed_before + 1);
    }
    fake_endpoints::stop_in_close = true;
}

TEST_CASE("readiness fds are readable exactly while the socket can send or receive") {
    socket_fixture f;
    int send_fd = -1, receive_fd = -1;
    REQUIRE_FALSE(f.socket.readiness_fd(true, send_fd));
    REQUIRE_FALSE(f.socket.readiness_fd(false, receive_fd));
    CHECK_FALSE(fd_readable(send_fd));
    CHECK_FALSE(fd_readable(receive_fd));

    REQUIRE_FALSE(f.attach(f.pipe));
    CHECK(fd_readable(send_fd));
    CHECK_FALSE(fd_readable(receive_fd));

    f.deliver(f.pipe, "a");
    CHECK(fd_readable(receive_fd));
    aio::message m;
    REQUIRE_FALSE(f.socket.receive(m, 0));
    CHECK_FALSE(fd_readable(receive_fd));

    // Level-triggered: asking again returns the same fd in the same state.
    int again_fd = -1;
    REQUIRE_FALSE(f.socket.readiness_fd(true, again_fd));
    CHECK(again_fd == send_fd);
    CHECK(fd_readable(send_fd));
}

TEST_CASE("closing makes both readiness fds readable so that pollers wake") {
    socket_fixture f;
    int receive_fd = -1;
    REQUIRE_FALSE(f.socket.readiness_fd(false, receive_fd));
    CHECK_FALSE(fd_readable(receive_fd));
    f.socket.begin_close();
    CHECK(fd_readable(receive_fd));
}

TEST_CASE("a socket type that never sends has no NN_SNDFD") {
    socket_fixture f(NN_PULL);
    int fd = -1;
    CHECK(f.socket.readiness_fd(true, fd) == std::errc::no_protocol_option);
    CHECK_FALSE(f.socket.readiness_fd(false, fd));
}

TEST_CASE("a pipe the protocol refused is never removed from it") {
    socket_fixture f;
    fake_pipe second;
    REQUIRE_FALSE(f.attach(f.pipe));
    CHECK(f.attach(second) == std::errc::already_connected);
    f.detach(second);
    CHECK(f.protocol->removed == 0);
    CHECK(f.socket.statistic(NN_STAT_CURRENT_CONNECTIONS) == 1u);
    f.detach(f.pipe);
    CHECK(f.protocol->removed == 1);
    CHECK(f.socket.statistic(NN_STAT_CURRENT_CONNECTIONS) == 0u);
}

TEST_CASE("statistics count messages and bytes both ways") {
    socket_fixture f;
    REQUIRE_FALSE(f.attach(f.pipe));
    aio::message m = text_message("12345");
    REQUIRE_FALSE(f.socket.send(m, 0));
    f.deliver(f.pipe, "abc");
    aio::message in;
    REQUIRE_FALSE(f.socket.receive(in, 0));
    CHECK(f.socket.statistic(NN_STAT_MESSAGES_SENT) == 1u);
    CHECK(f.socket.statistic(NN_STAT_BYTES_SENT) == 5u);
    CHECK(f.socket.statistic(NN_STAT_MESSAGES_RECEIVED) == 1u);
    CHECK(f.socket.statistic(NN_STAT_BYTES_RECEIVED) == 3u);
    CHECK_FALSE(f.socket.statistic(999).has_value());
}

TEST_CASE("domain and protocol read back and cannot be set") {
    socket_fixture f(NN_PUSH);
    int v = 0;
    std::size_t size = sizeof v;
    auto out = std::span<std::byte>(reinterpret_cast<std::byte*>(&v), sizeof v);
    REQUIRE_FALSE(f.socket.get_option(NN_SOL_SOCKET, NN_PROTOCOL, out, size));
    CHECK(v == NN_PUSH);
    REQUIRE_FALSE(f.socket.get_option(NN_SOL_SOCKET, NN_DOMAIN, out, size));
    CHECK(v == AF_SP);
    CHECK(size == sizeof(int));
    CHECK(f.socket.set_option(NN_SOL_SOCKET, NN_DOMAIN, out) == std::errc::no_protocol_option);
    CHECK(f.socket.set_option(NN_SOL_SOCKET, NN_SNDFD, out) == std::errc::no_protocol_option);
    CHECK(f.socket.set_option(NN_SOL_SOCKET, NN_PROTOCOL, out.first(2)) ==
          std::errc::invalid_argument);
}

TEST_CASE("protocol-level options go to the protocol and NN_MAXTTL is offered to it") {
    socket_fixture f;
    int v = 4;
    auto in = std::span<const std::byte>(reinterpret_cast<const std::byte*>(&v), sizeof v);
    CHECK(f.socket.set_option(NN_PUSH, 1, in) == std::errc::no_protocol_option);
    CHECK(f.protocol->last_option_level == NN_PUSH);
    CHECK_FALSE(f.socket.set_option(NN_SOL_SOCKET, NN_MAXTTL, in));
    CHECK(f.protocol->last_option_level == NN_SOL_SOCKET);
    CHECK(f.protocol->last_option == NN_MAXTTL);
}

TEST_CASE("current_options hands the socket's options to pipes") {
    socket_fixture f;
    f.set_int(NN_SOL_SOCKET, NN_SNDBUF, 1000);
    f.set_int(NN_SOL_SOCKET, NN_RCVMAXSIZE, -1);
    f.set_int(NN_SOL_SOCKET, NN_SNDPRIO, 3);
    const transport::pipe_options o = f.inside([&] { return f.socket.current_options(); });
    CHECK(o.send_buffer == 1000u);
    CHECK(o.receive_max_size == -1);
    CHECK(o.send_priority == 3);
    CHECK(o.receive_buffer == 128u * 1024u);
}
