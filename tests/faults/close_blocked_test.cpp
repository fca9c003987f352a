// nn_close and nn_term while other threads are blocked in nn_send, nn_recv,
// nn_poll or nn_device: every call returns, and within the linger time (with
// 2 s of slack for a busy machine), also when a peer does not read and the
// socket has queued data that can never leave.
//
// tests/api/c_api_term_test.cpp shows that nn_term wakes each kind of
// blocked call with ETERM; this file adds nn_close in the same places, the
// time bound, and the cases with data stuck behind a peer that does not read.
//
// nn_term is process-wide and final, so each TEST_CASE runs in a process of
// its own (tests/faults/CMakeLists.txt registers one CTest test per case).
// Names therefore contain no commas (doctest's filter separator).
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/tcp.h"

using namespace nanoport::test;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr int linger_ms = 500;
// The bound every close and term must meet: the linger time plus slack for
// a loaded machine (CI runs tests two at a time on two cores).
constexpr milliseconds bound{linger_ms + 2000};

// A call made in another thread: its result, errno and when it returned.
struct outcome {
    std::atomic<bool> done{false};
    int result = -2;
    int error = 0;
    steady_clock::time_point at;
    void finish(int r) {
        result = r;
        error = nn_errno();
        at = steady_clock::now();
        done = true;
    }
};

long ms_between(steady_clock::time_point from, steady_clock::time_point to) {
    return static_cast<long>(std::chrono::duration_cast<milliseconds>(to - from).count());
}

int socket_with_linger(int protocol) {
    const int s = make_socket(AF_SP, protocol, no_timeout);
    set_socket_option(s, NN_LINGER, linger_ms);
    return s;
}

// A PUSH connected over TCP to a PULL that never reads, and a thread that
// sends 64 KiB messages to it until a send fails: once the PUSH's queue, the
// kernel's buffers and the PULL's receive buffer are full, that thread stays
// blocked in nn_send with data queued that can never leave.
struct stuck_push {
    stuck_push() : pull(socket_with_linger(NN_PULL)), push(socket_with_linger(NN_PUSH)) {
        const std::string url = bind_free_tcp(pull, nn_bind);
        REQUIRE(!url.empty());
        REQUIRE(nn_connect(push, url.c_str()) > 0);
        REQUIRE(wait_for_statistic_equal(push, NN_STAT_CURRENT_CONNECTIONS, 1));
    }
    ~stuck_push() {
        if (sender.joinable()) sender.join();
    }
    // Starts the sending thread and waits until it is blocked.
    void flood() {
        sender = std::thread([this] {
            const std::string payload(64 * 1024, 'q');
            int r;
            while ((r = nn_send(push, payload.data(), payload.size(), 0)) >= 0) ++sent;
            last_send.finish(r);
        });
        REQUIRE(wait_until_blocked(push));
    }
    int pull;
    int push;
    std::atomic<int> sent{0};
    outcome last_send;  // the send that failed when the socket went away
    std::thread sender;
};

}  // namespace

TEST_CASE("nn_close wakes an nn_recv blocked in another thread with EBADF within the linger time") {
    const int s = socket_with_linger(NN_PAIR);
    outcome o;
    std::thread receiver([&] {
        char buf[8];
        o.finish(nn_recv(s, buf, sizeof buf, 0));
    });
    REQUIRE(wait_until_blocked(s));
    const auto start = steady_clock::now();
    CHECK(nn_close(s) == 0);
    const auto closed = steady_clock::now();
    receiver.join();
    MESSAGE("nn_close took " << ms_between(start, closed) << " ms");
    CHECK(closed - start < bound);
    CHECK(o.at - start < bound);
    CHECK(o.result == -1);
    CHECK(o.error == EBADF);
}

TEST_CASE("nn_close wakes an nn_send blocked in another thread with EBADF within the linger time") {
    const int s = socket_with_linger(NN_PUSH);  // no peer: a send blocks
    outcome o;
    std::thread sender([&] { o.finish(nn_send(s, "x", 1, 0)); });
    REQUIRE(wait_until_blocked(s));
    const auto start = steady_clock::now();
    CHECK(nn_close(s) == 0);
    const auto closed = steady_clock::now();
    sender.join();
    MESSAGE("nn_close took " << ms_between(start, closed) << " ms");
    CHECK(closed - start < bound);
    CHECK(o.at - start < bound);
    CHECK(o.result == -1);
    CHECK(o.error == EBADF);
}

TEST_CASE("nn_close wakes an nn_poll blocked in another thread within the linger time") {
    const int s = socket_with_linger(NN_PAIR);
    outcome o;
    short revents = 0;
    traced_thread poller([&] {
        nn_pollfd fds[1] = {{s, NN_POLLIN, 0}};
        o.finish(nn_poll(fds, 1, 20000));
        revents = fds[0].revents;
    });
    REQUIRE(poller.wait_until_in(poll_calls));
    const auto start = steady_clock::now();
    CHECK(nn_close(s) == 0);
    const auto closed = steady_clock::now();
    poller.join();
    MESSAGE("nn_close took " << ms_between(start, closed) << " ms");
    CHECK(closed - start < bound);
    CHECK(o.at - start < bound);
    // The poll reports the socket ready (the next call on it says EBADF),
    // rather than sleeping out its 20 s.
    CHECK(o.result == 1);
    CHECK(revents == NN_POLLIN);
    char buf[8];
    CHECK(nn_recv(s, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EBADF);
}

TEST_CASE("nn_close of its front socket ends an nn_device running in another thread") {
    const int front = make_socket(AF_SP_RAW, NN_PULL, no_timeout);
    const int back = make_socket(AF_SP_RAW, NN_PUSH, no_timeout);
    set_socket_option(front, NN_LINGER, linger_ms);
    set_socket_option(back, NN_LINGER, linger_ms);
    outcome o;
    std::thread device([&] { o.finish(nn_device(front, back)); });
    REQUIRE(wait_until_blocked(front));  // waiting for a message to forward
    const auto start = steady_clock::now();
    CHECK(nn_close(front) == 0);
    const auto closed = steady_clock::now();
    device.join();
    MESSAGE("nn_close took " << ms_between(start, closed) << " ms");
    CHECK(closed - start < bound);
    CHECK(o.at - start < bound);
    CHECK(o.result == -1);
    CHECK(o.error == EBADF);
    CHECK(nn_close(back) == 0);
}

TEST_CASE("nn_close of a PUSH whose peer does not read returns within the linger time") {
    stuck_push path;
    path.flood();
    const auto start = steady_clock::now();
    CHECK(nn_close(path.push) == 0);
    const auto closed = steady_clock::now();
    path.sender.join();
    const outcome& o = path.last_send;
    MESSAGE(path.sent.load() << " messages of 64 KiB sent; nn_close took "
                        << ms_between(start, closed) << " ms (linger " << linger_ms << " ms)");
    CHECK(closed - start < bound);
    CHECK(o.at - start < bound);
    CHECK(o.result == -1);
    CHECK(o.error == EBADF);
    CHECK(nn_close(path.pull) == 0);
}

TEST_CASE("nn_term and then nn_close of a PUSH whose peer does not read return within the linger time") {
    stuck_push path;
    path.flood();
    const auto start = steady_clock::now();
    nn_term();
    const auto termed = steady_clock::now();
    path.sender.join();
    const outcome& o = path.last_send;
    CHECK(o.result == -1);
    CHECK(o.error == ETERM);
    CHECK(nn_close(path.push) == 0);
    const auto closed = steady_clock::now();
    CHECK(nn_close(path.pull) == 0);
    MESSAGE(path.sent.load() << " messages of 64 KiB sent; nn_term took " << ms_between(start, termed)
                        << " ms, nn_term + nn_close " << ms_between(start, closed) << " ms");
    CHECK(termed - start < bound);
    CHECK(o.at - start < bound);
    CHECK(closed - start < bound);
}

TEST_CASE("nn_term with nn_recv nn_send nn_poll and nn_device blocked at once returns within the linger time") {
    stuck_push path;
    const int idle = socket_with_linger(NN_PAIR);
    const int front = make_socket(AF_SP_RAW, NN_PULL, no_timeout);
    const int back = make_socket(AF_SP_RAW, NN_PUSH, no_timeout);
    const int polled = socket_with_linger(NN_PAIR);

    outcome received, polled_out, forwarded;
    std::thread receiver([&] {
        char buf[8];
        received.finish(nn_recv(idle, buf, sizeof buf, 0));
    });
    path.flood();
    std::thread device([&] { forwarded.finish(nn_device(front, back)); });
    traced_thread poller([&] {
        nn_pollfd fds[1] = {{polled, NN_POLLIN, 0}};
        polled_out.finish(nn_poll(fds, 1, 20000));
    });
    REQUIRE(wait_until_blocked(idle));
    REQUIRE(wait_until_blocked(front));
    REQUIRE(poller.wait_until_in(poll_calls));

    const auto start = steady_clock::now();
    nn_term();
    const auto termed = steady_clock::now();
    receiver.join();
    path.sender.join();
    device.join();
    poller.join();
    for (int s : {idle, path.push, path.pull, front, back, polled}) CHECK(nn_close(s) == 0);
    const auto closed = steady_clock::now();
    MESSAGE("nn_term took " << ms_between(start, termed) << " ms, closing all six sockets after it "
                            << ms_between(termed, closed) << " ms");

    CHECK(termed - start < bound);
    CHECK(closed - start < bound);
    for (outcome* o : {&received, &path.last_send, &forwarded}) {
        CHECK(o->at - start < bound);
        CHECK(o->result == -1);
        CHECK(o->error == ETERM);
    }
    CHECK(polled_out.at - start < bound);
    CHECK(polled_out.result == 1);
}
