// nn_poll and the NN_SNDFD / NN_RCVFD readiness fds through the C API.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <poll.h>

#include <string>
#include <thread>

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

struct connected_pair {
    connected_pair() {
        a = nn_socket(AF_SP, NN_PAIR);
        b = nn_socket(AF_SP, NN_PAIR);
        REQUIRE(a >= 0);
        REQUIRE(b >= 0);
        const std::string address = "inproc://" + unique_name("poll");
        REQUIRE(nn_bind(a, address.c_str()) > 0);
        REQUIRE(nn_connect(b, address.c_str()) > 0);
    }
    ~connected_pair() {
        CHECK(nn_close(a) == 0);
        CHECK(nn_close(b) == 0);
    }
    int a, b;
};

}  // namespace

TEST_CASE("NN_RCVFD is readable exactly while a message waits") {
    connected_pair p;
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
    const std::string address = "inproc://" + unique_name("sndfd");
    REQUIRE(nn_bind(peer, address.c_str()) > 0);
    REQUIRE(nn_connect(s, address.c_str()) > 0);
    CHECK(readable(fd, 10000));
    CHECK(nn_close(s) == 0);
    CHECK(nn_close(peer) == 0);
}

TEST_CASE("nn_poll reports what each socket can do") {
    connected_pair p;
    REQUIRE(nn_send(p.b, "x", 1, 0) == 1);
    nn_pollfd fds[2] = {{p.a, NN_POLLIN | NN_POLLOUT, 0}, {p.b, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 2, 10000) == 1);
    CHECK(fds[0].revents == (NN_POLLIN | NN_POLLOUT));
    CHECK(fds[1].revents == 0);
}

TEST_CASE("nn_poll times out with 0 when nothing is ready") {
    connected_pair p;
    nn_pollfd fds[1] = {{p.a, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 1, 50) == 0);
    CHECK(fds[0].revents == 0);
}

TEST_CASE("nn_poll wakes when a message arrives from another thread") {
    connected_pair p;
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
