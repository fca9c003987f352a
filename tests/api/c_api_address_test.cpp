// nn_socket / nn_bind / nn_connect / nn_shutdown errors through the C API.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"

using namespace nanoport::test;

TEST_CASE("nn_socket rejects an unknown domain with EAFNOSUPPORT and protocol with EINVAL") {
    CHECK(nn_socket(3, NN_PAIR) == -1);
    CHECK(nn_errno() == EAFNOSUPPORT);
    CHECK(nn_socket(AF_SP, 7) == -1);
    CHECK(nn_errno() == EINVAL);
}

TEST_CASE("a malformed address is EINVAL") {
    socket_guard g;
    for (const char* address :
         {"nope", "tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:0", "tcp://127.0.0.1:99999"}) {
        CAPTURE(address);
        CHECK(nn_bind(g.s, address) == -1);
        CHECK(nn_errno() == EINVAL);
        CHECK(nn_connect(g.s, address) == -1);
        CHECK(nn_errno() == EINVAL);
    }
    CHECK(nn_bind(g.s, nullptr) == -1);
    CHECK(nn_errno() == EINVAL);
}

TEST_CASE("an unknown transport is EPROTONOSUPPORT") {
    socket_guard g;
    CHECK(nn_bind(g.s, "foo://bar") == -1);
    CHECK(nn_errno() == EPROTONOSUPPORT);
    CHECK(nn_connect(g.s, "foo://bar") == -1);
    CHECK(nn_errno() == EPROTONOSUPPORT);
}

TEST_CASE("an address longer than NN_SOCKADDR_MAX is ENAMETOOLONG") {
    socket_guard g;
    const std::string address = "inproc://" + std::string(NN_SOCKADDR_MAX, 'a');
    CHECK(nn_bind(g.s, address.c_str()) == -1);
    CHECK(nn_errno() == ENAMETOOLONG);
}

TEST_CASE("binding an inproc name twice is EADDRINUSE") {
    socket_guard a, b;
    const std::string address = bind_inproc(a.s, "twice");
    CHECK(nn_bind(b.s, address.c_str()) == -1);
    CHECK(nn_errno() == EADDRINUSE);
    CHECK(nn_bind(a.s, address.c_str()) == -1);
    CHECK(nn_errno() == EADDRINUSE);
}

TEST_CASE("binding a tcp port twice is EADDRINUSE") {
    socket_guard a, b;
    const std::string address = bind_free_tcp(a.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    CHECK(nn_bind(b.s, address.c_str()) == -1);
    CHECK(nn_errno() == EADDRINUSE);
}

TEST_CASE("an unknown local interface is ENODEV") {
    socket_guard g;
    CHECK(nn_connect(g.s, "tcp://no-such-interface0;127.0.0.1:5555") == -1);
    CHECK(nn_errno() == ENODEV);
    CHECK(nn_bind(g.s, "tcp://no-such-interface0:5555") == -1);
    CHECK(nn_errno() == ENODEV);
}

TEST_CASE("endpoint ids count up from 1 and nn_shutdown takes them") {
    socket_guard g;
    const std::string a = "inproc://" + unique_name("ids");
    const std::string b = "inproc://" + unique_name("ids");
    const int first = nn_bind(g.s, a.c_str());
    const int second = nn_connect(g.s, b.c_str());
    CHECK(first == 1);
    CHECK(second == 2);
    CHECK(nn_shutdown(g.s, second) == 0);
    CHECK(nn_shutdown(g.s, second) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_shutdown(g.s, 0) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_shutdown(g.s, first) == 0);
}

TEST_CASE("calls on a handle that is not open are EBADF") {
    CHECK(nn_bind(3000, "inproc://x") == -1);
    CHECK(nn_errno() == EBADF);
    CHECK(nn_shutdown(-1, 1) == -1);
    CHECK(nn_errno() == EBADF);
    CHECK(nn_close(3000) == -1);
    CHECK(nn_errno() == EBADF);
    CHECK(nn_send(-5, "x", 1, 0) == -1);
    CHECK(nn_errno() == EBADF);
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    CHECK(nn_close(s) == 0);
    CHECK(nn_close(s) == -1);
    CHECK(nn_errno() == EBADF);
}
