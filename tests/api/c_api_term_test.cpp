// nn_term: process-wide, so this file is its own test process and runs one
// story in order.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"

using namespace nanoport::test;

TEST_CASE(
    "nn_term wakes blocked calls with ETERM, fails later calls with ETERM, and sockets still "
    "close") {
    const int a = nn_socket(AF_SP, NN_PAIR);
    const int b = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    const std::string address = "inproc://" + unique_name("term");
    REQUIRE(nn_bind(a, address.c_str()) > 0);
    REQUIRE(nn_connect(b, address.c_str()) > 0);

    int fd = -1;
    size_t size = sizeof fd;
    REQUIRE(nn_getsockopt(a, NN_SOL_SOCKET, NN_RCVFD, &fd, &size) == 0);

    int result = 0, error = 0;
    std::thread receiver([&] {
        char buf[8];
        result = nn_recv(a, buf, sizeof buf, 0);
        error = nn_errno();
    });
    REQUIRE(wait_until_blocked(a));
    nn_term();
    receiver.join();
    CHECK(result == -1);
    CHECK(error == ETERM);

    // A poller wakes: the fds are readable after nn_term.
    nn_pollfd fds[1] = {{a, NN_POLLIN, 0}};
    CHECK(nn_poll(fds, 1, 0) == -1);  // ... and nn_poll itself then says ETERM
    CHECK(nn_errno() == ETERM);

    CHECK(nn_send(b, "x", 1, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == ETERM);
    int v = 1;
    CHECK(nn_setsockopt(a, NN_SOL_SOCKET, NN_LINGER, &v, sizeof v) == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_bind(a, "inproc://after-term") == -1);
    CHECK(nn_errno() == ETERM);
    CHECK(nn_socket(AF_SP, NN_PAIR) == -1);
    CHECK(nn_errno() == ETERM);

    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
    CHECK(nn_close(a) == -1);
    CHECK(nn_errno() == EBADF);
}
