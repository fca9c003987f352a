// nn_term (nanomsg's tests/term.c): it wakes every call blocked in another
// thread - nn_recv, nn_send, nn_poll, select on the readiness fds, nn_device
// - and makes later calls fail with ETERM, while nn_close still works.
//
// nn_term is process-wide and final, so each TEST_CASE here must run in a
// process of its own: tests/api/CMakeLists.txt registers one CTest test per
// case (--test-case=<name>), and the binary run as a whole is not a test.
// Names therefore contain no commas (doctest's filter separator).
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/select.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;

namespace {

// A call made in another thread: its result and errno.
struct outcome {
    int result = -2;
    int error = 0;
};

}  // namespace

TEST_CASE("nn_term wakes an nn_recv blocked in another thread with ETERM") {
    const int s = make_socket(AF_SP, NN_PAIR, no_timeout);
    outcome o;
    std::thread receiver([&] {
        char buf[8];
        o.result = nn_recv(s, buf, sizeof buf, 0);
        o.error = nn_errno();
    });
    REQUIRE(wait_until_blocked(s));
    nn_term();
    receiver.join();
    CHECK(o.result == -1);
    CHECK(o.error == ETERM);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_term wakes an nn_send blocked in another thread with ETERM") {
    const int s = make_socket(AF_SP, NN_PUSH, no_timeout);  // no peer: a send blocks
    outcome o;
    std::thread sender([&] {
        o.result = nn_send(s, "x", 1, 0);
        o.error = nn_errno();
    });
    REQUIRE(wait_until_blocked(s));
    nn_term();
    sender.join();
    CHECK(o.result == -1);
    CHECK(o.error == ETERM);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_term wakes an nn_poll blocked in another thread and the next call says ETERM") {
    const int s = make_socket(AF_SP, NN_PAIR, no_timeout);
    outcome o;
    short revents = 0;
    traced_thread poller([&] {
        nn_pollfd fds[1] = {{s, NN_POLLIN, 0}};
        o.result = nn_poll(fds, 1, 20000);
        revents = fds[0].revents;
    });
    REQUIRE(poller.wait_until_in(poll_calls));
    nn_term();
    poller.join();
    // As in nanomsg: the poll returns with the socket reported ready...
    CHECK(o.result == 1);
    CHECK(revents == NN_POLLIN);
    // ... and the call that follows fails.
    char buf[8];
    CHECK(nn_recv(s, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_term wakes a select on NN_RCVFD in another thread") {
    const int s = make_socket(AF_SP, NN_PAIR, no_timeout);
    int fd = -1;
    size_t size = sizeof fd;
    REQUIRE(nn_getsockopt(s, NN_SOL_SOCKET, NN_RCVFD, &fd, &size) == 0);
    REQUIRE(fd < FD_SETSIZE);
    int ready = -2;
    bool readable = false;
    traced_thread selector([&] {
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd, &set);
        timeval tv{20, 0};
        ready = ::select(fd + 1, &set, nullptr, nullptr, &tv);
        readable = FD_ISSET(fd, &set);
    });
    REQUIRE(selector.wait_until_in(select_calls));
    nn_term();
    selector.join();
    CHECK(ready == 1);
    CHECK(readable);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_term ends a one-way nn_device running in another thread with ETERM") {
    const int front = make_socket(AF_SP_RAW, NN_PULL, no_timeout);
    const int back = make_socket(AF_SP_RAW, NN_PUSH, no_timeout);
    outcome o;
    std::thread device([&] {
        o.result = nn_device(front, back);
        o.error = nn_errno();
    });
    REQUIRE(wait_until_blocked(front));  // waiting for a message to forward
    nn_term();
    device.join();
    CHECK(o.result == -1);
    CHECK(o.error == ETERM);
    CHECK(nn_close(front) == 0);
    CHECK(nn_close(back) == 0);
}

TEST_CASE("nn_term ends a two-way nn_device running in another thread with ETERM") {
    const int front = make_socket(AF_SP_RAW, NN_PAIR, no_timeout);
    const int back = make_socket(AF_SP_RAW, NN_PAIR, no_timeout);
    outcome o;
    traced_thread device([&] {
        o.result = nn_device(front, back);
        o.error = nn_errno();
    });
    REQUIRE(device.wait_until_in(poll_calls));  // waiting on both sockets
    nn_term();
    device.join();
    CHECK(o.result == -1);
    CHECK(o.error == ETERM);
    CHECK(nn_close(front) == 0);
    CHECK(nn_close(back) == 0);
}

TEST_CASE("after nn_term every call fails with ETERM but nn_close still closes") {
    const int a = make_socket(AF_SP, NN_PAIR, no_timeout);
    const int b = make_socket(AF_SP, NN_PAIR, no_timeout);
    join_inproc(a, b, "term");
    nn_term();

    char buf[8];
    CHECK(nn_send(b, "x", 1, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_recv(a, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == ETERM);
    nn_pollfd fds[1] = {{a, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 1, 0) == -1);
    CHECK(nn_errno() == ETERM);
    int v = 1;
    CHECK(nn_setsockopt(a, NN_SOL_SOCKET, NN_LINGER, &v, sizeof v) == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_bind(a, "inproc://after-term") == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_connect(a, "inproc://after-term") == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_socket(AF_SP, NN_PAIR) == -1);
    CHECK(nn_errno() == ETERM);

    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
    CHECK(nn_close(a) == -1);
    CHECK(nn_errno() == EBADF);
}
