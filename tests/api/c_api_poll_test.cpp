// nn_poll and the NN_SNDFD / NN_RCVFD readiness fds through the C API, the
// fds both with poll(2) and with select(2), as nanomsg programs use them
// (nanomsg's tests/poll.c). Both fds signal by becoming readable.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/select.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;

namespace {

int get_fd(int s, int option) {
    int fd = -1;
    size_t size = sizeof fd;
    REQUIRE(nn_getsockopt(s, NN_SOL_SOCKET, option, &fd, &size) == 0);
    REQUIRE(size == sizeof(int));
    return fd;
}

bool readable(int fd, int timeout_ms = 0) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

// select(2) for reading on fds; returns those found readable within timeout_ms.
std::vector<int> select_readable(std::initializer_list<int> fds, int timeout_ms) {
    fd_set set;
    FD_ZERO(&set);
    int highest = -1;
    for (int fd : fds) {
        REQUIRE(fd < FD_SETSIZE);
        FD_SET(fd, &set);
        highest = std::max(highest, fd);
    }
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    const int n = ::select(highest + 1, &set, nullptr, nullptr, &tv);
    REQUIRE(n >= 0);
    std::vector<int> ready;
    for (int fd : fds) {
        if (FD_ISSET(fd, &set)) ready.push_back(fd);
    }
    return ready;
}

bool select_readable(int fd, int timeout_ms) {
    return select_readable({fd}, timeout_ms).size() == 1;
}

}  // namespace

TEST_CASE("NN_RCVFD is readable exactly while a message waits") {
    connected_pair p(no_timeout);
    const int fd = get_fd(p.a, NN_RCVFD);
    CHECK_FALSE(readable(fd));
    REQUIRE(nn_send(p.b, "x", 1, 0) == 1);
    CHECK(readable(fd, 10000));
    char c;
    REQUIRE(nn_recv(p.a, &c, 1, NN_DONTWAIT) == 1);
    CHECK_FALSE(readable(fd));
}

TEST_CASE("NN_SNDFD is readable while the socket can send") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    const int fd = get_fd(s, NN_SNDFD);
    CHECK_FALSE(readable(fd));  // no peer yet
    const int peer = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(peer >= 0);
    join_inproc(peer, s, "sndfd");
    CHECK(readable(fd, 10000));
    CHECK(nn_close(s) == 0);
    CHECK(nn_close(peer) == 0);
}

TEST_CASE("nn_poll reports what each socket can do") {
    connected_pair p(no_timeout);
    REQUIRE(nn_send(p.b, "x", 1, 0) == 1);
    nn_pollfd fds[2] = {{p.a, NN_POLLIN | NN_POLLOUT, 0}, {p.b, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 2, 10000) == 1);
    CHECK(fds[0].revents == (NN_POLLIN | NN_POLLOUT));
    CHECK(fds[1].revents == 0);
}

TEST_CASE("nn_poll times out with 0 when nothing is ready") {
    connected_pair p(no_timeout);
    nn_pollfd fds[1] = {{p.a, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 1, 50) == 0);
    CHECK(fds[0].revents == 0);
}

TEST_CASE("nn_poll wakes when a message arrives from another thread") {
    connected_pair p(no_timeout);
    nn_pollfd fds[1] = {{p.a, NN_POLLIN, 0}};
    std::thread sender([&] { CHECK(nn_send(p.b, "x", 1, 0) == 1); });
    CHECK(nn_poll(fds, 1, 10000) == 1);
    CHECK(fds[0].revents == NN_POLLIN);
    sender.join();
}

TEST_CASE("nn_poll on a handle that is not open is EBADF") {
    nn_pollfd fds[1] = {{3999, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 1, 0) == -1);
    CHECK(nn_errno() == EBADF);
}

TEST_CASE("nn_poll with nothing asked returns 0") { CHECK(nn_poll(nullptr, 0, 0) == 0); }

TEST_CASE("nn_poll asking NN_POLLOUT of a socket type that never sends is ENOPROTOOPT") {
    const int pull = nn_socket(AF_SP, NN_PULL);
    REQUIRE(pull >= 0);
    nn_pollfd fds[1] = {{pull, NN_POLLOUT, 0}};
    CHECK(nn_poll(fds, 1, 0) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
    CHECK(nn_close(pull) == 0);
}

TEST_CASE("select on NN_RCVFD times out while no message waits") {
    connected_pair p(no_timeout);
    const int fd = get_fd(p.a, NN_RCVFD);
    CHECK_FALSE(select_readable(fd, 50));
}

TEST_CASE("select on NN_RCVFD wakes when a message arrives from another thread") {
    connected_pair p(no_timeout);
    const int fd = get_fd(p.a, NN_RCVFD);
    const pid_t selecting = static_cast<pid_t>(::gettid());
    bool sender_saw_select = false;
    std::thread sender([&] {
        // Send only once the main thread sleeps in select: it must be woken.
        sender_saw_select = wait_until_in_syscall(selecting, select_calls);
        CHECK(nn_send(p.b, "x", 1, 0) == 1);
    });
    CHECK(select_readable(fd, 20000));
    sender.join();
    CHECK(sender_saw_select);
    char c;
    CHECK(nn_recv(p.a, &c, 1, NN_DONTWAIT) == 1);
}

TEST_CASE("select on NN_RCVFD reports it readable until the last waiting message is received") {
    connected_pair p(no_timeout);
    const int fd = get_fd(p.a, NN_RCVFD);
    for (const char* m : {"1", "2", "3"}) REQUIRE(nn_send(p.b, m, 1, 0) == 1);
    char c;
    for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(select_readable(fd, 10000));
        REQUIRE(nn_recv(p.a, &c, 1, NN_DONTWAIT) == 1);
    }
    CHECK_FALSE(select_readable(fd, 0));
}

TEST_CASE("select on several NN_RCVFDs reports only the socket that has a message") {
    connected_pair first(no_timeout), second(no_timeout);
    const int fd1 = get_fd(first.a, NN_RCVFD);
    const int fd2 = get_fd(second.a, NN_RCVFD);
    REQUIRE(nn_send(second.b, "x", 1, 0) == 1);
    const std::vector<int> ready = select_readable({fd1, fd2}, 10000);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0] == fd2);
}

TEST_CASE("select on NN_SNDFD stops reporting a PUSH whose peer is full until the peer reads") {
    const int push = nn_socket(AF_SP, NN_PUSH);
    const int pull = nn_socket(AF_SP, NN_PULL);
    REQUIRE(push >= 0);
    REQUIRE(pull >= 0);
    set_socket_option(push, NN_SNDBUF, 1024);
    set_socket_option(pull, NN_RCVBUF, 1024);
    join_inproc(pull, push, "sndfd-full");
    const int fd = get_fd(push, NN_SNDFD);
    CHECK(select_readable(fd, 10000));

    const int sent = fill_until_full(push, std::string(256, 'p'));
    CHECK_FALSE(select_readable(fd, 0));

    char buf[256];
    for (int i = 0; i < sent; ++i) REQUIRE(nn_recv(pull, buf, sizeof buf, 0) == 256);
    CHECK(select_readable(fd, 10000));
    CHECK(nn_send(push, "x", 1, NN_DONTWAIT) == 1);
    CHECK(nn_close(push) == 0);
    CHECK(nn_close(pull) == 0);
}
