// nn_setsockopt / nn_getsockopt through the C API: round trips, nanomsg's
// EINVAL / ENOPROTOOPT / EFAULT cases, the read-only options.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/tcp.h"

using namespace nanoport::test;

namespace {

int get_int(int s, int level, int option) {
    int v = -12345;
    size_t size = sizeof v;
    REQUIRE(nn_getsockopt(s, level, option, &v, &size) == 0);
    CHECK(size == sizeof(int));
    return v;
}

}  // namespace

TEST_CASE("socket-level int options round-trip") {
    socket_guard g;
    const struct {
        int option;
        int value;
    } cases[] = {
        {NN_LINGER, 250},
        {NN_SNDBUF, 1000},
        {NN_RCVBUF, 2000},
        {NN_SNDTIMEO, 300},
        {NN_RCVTIMEO, 400},
        {NN_RECONNECT_IVL, 10},
        {NN_RECONNECT_IVL_MAX, 5000},
        {NN_SNDPRIO, 1},
        {NN_RCVPRIO, 16},
        {NN_IPV4ONLY, 0},
        {NN_RCVMAXSIZE, -1},
        {NN_MAXTTL, 30},
    };
    for (const auto& c : cases) {
        CAPTURE(c.option);
        REQUIRE(set_int_option(g.s, NN_SOL_SOCKET, c.option, c.value) == 0);
        CHECK(get_int(g.s, NN_SOL_SOCKET, c.option) == c.value);
    }
    REQUIRE(set_int_option(g.s, NN_TCP, NN_TCP_NODELAY, 1) == 0);
    CHECK(get_int(g.s, NN_TCP, NN_TCP_NODELAY) == 1);
}

TEST_CASE("domain and protocol read back; setting them is ENOPROTOOPT") {
    socket_guard g(AF_SP_RAW, NN_PUSH);
    CHECK(get_int(g.s, NN_SOL_SOCKET, NN_DOMAIN) == AF_SP_RAW);
    CHECK(get_int(g.s, NN_SOL_SOCKET, NN_PROTOCOL) == NN_PUSH);
    for (int option : {NN_DOMAIN, NN_PROTOCOL, NN_SNDFD, NN_RCVFD}) {
        CAPTURE(option);
        CHECK(set_int_option(g.s, NN_SOL_SOCKET, option, 1) == -1);
        CHECK(nn_errno() == ENOPROTOOPT);
    }
}

TEST_CASE("bad values and sizes are EINVAL") {
    socket_guard g;
    const struct {
        int option;
        int value;
    } cases[] = {
        {NN_SNDBUF, 0},         {NN_RCVBUF, -1}, {NN_RCVMAXSIZE, -2},
        {NN_RECONNECT_IVL, -1}, {NN_SNDPRIO, 0}, {NN_RCVPRIO, 17},
        {NN_IPV4ONLY, 2},       {NN_MAXTTL, 0},  {NN_MAXTTL, 256},
    };
    for (const auto& c : cases) {
        CAPTURE(c.option);
        CHECK(set_int_option(g.s, NN_SOL_SOCKET, c.option, c.value) == -1);
        CHECK(nn_errno() == EINVAL);
    }
    const int v = 1;
    CHECK(nn_setsockopt(g.s, NN_SOL_SOCKET, NN_SNDBUF, &v, 2) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(set_int_option(g.s, NN_TCP, NN_TCP_NODELAY, 2) == -1);
    CHECK(nn_errno() == EINVAL);
}

TEST_CASE("unknown options and levels are ENOPROTOOPT") {
    socket_guard g;
    CHECK(set_int_option(g.s, NN_SOL_SOCKET, 99, 1) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
    CHECK(set_int_option(g.s, -9, 1, 1) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
    CHECK(set_int_option(g.s, NN_PAIR, 99, 1) == -1);  // the protocol's level
    CHECK(nn_errno() == ENOPROTOOPT);
    int v;
    size_t size = sizeof v;
    CHECK(nn_getsockopt(g.s, NN_SOL_SOCKET, 99, &v, &size) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
    CHECK(nn_getsockopt(g.s, NN_TCP, 5, &v, &size) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
}

TEST_CASE("null option buffers are EFAULT") {
    socket_guard g;
    CHECK(nn_setsockopt(g.s, NN_SOL_SOCKET, NN_SNDBUF, nullptr, sizeof(int)) == -1);
    CHECK(nn_errno() == EFAULT);
    size_t size = sizeof(int);
    CHECK(nn_getsockopt(g.s, NN_SOL_SOCKET, NN_SNDBUF, nullptr, &size) == -1);
    CHECK(nn_errno() == EFAULT);
    int v;
    CHECK(nn_getsockopt(g.s, NN_SOL_SOCKET, NN_SNDBUF, &v, nullptr) == -1);
    CHECK(nn_errno() == EFAULT);
}

TEST_CASE("the socket name defaults to the handle and can be set") {
    socket_guard g;
    char name[64] = {};
    size_t size = sizeof name;
    REQUIRE(nn_getsockopt(g.s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, &size) == 0);
    CHECK(std::string(name, size) == std::to_string(g.s));
    REQUIRE(nn_setsockopt(g.s, NN_SOL_SOCKET, NN_SOCKET_NAME, "front", 5) == 0);
    size = sizeof name;
    REQUIRE(nn_getsockopt(g.s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, &size) == 0);
    CHECK(size == 5);
    CHECK(std::string(name) == "front");
    const std::string too_long(64, 'x');
    CHECK(nn_setsockopt(g.s, NN_SOL_SOCKET, NN_SOCKET_NAME, too_long.data(), too_long.size()) ==
          -1);
    CHECK(nn_errno() == EINVAL);
}

TEST_CASE("options of a handle that is not open are EBADF") {
    int v = 1;
    CHECK(nn_setsockopt(4000, NN_SOL_SOCKET, NN_SNDBUF, &v, sizeof v) == -1);
    CHECK(nn_errno() == EBADF);
    size_t size = sizeof v;
    CHECK(nn_getsockopt(-1, NN_SOL_SOCKET, NN_SNDBUF, &v, &size) == -1);
    CHECK(nn_errno() == EBADF);
}

TEST_CASE("NN_SNDFD of a socket that never sends is ENOPROTOOPT") {
    socket_guard pull(NN_PULL);
    int fd;
    size_t size = sizeof fd;
    CHECK(nn_getsockopt(pull.s, NN_SOL_SOCKET, NN_SNDFD, &fd, &size) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
    REQUIRE(nn_getsockopt(pull.s, NN_SOL_SOCKET, NN_RCVFD, &fd, &size) == 0);
    CHECK(fd >= 0);
}

// nanomsg reads NN_SNDPRIO when nn_connect/nn_bind is called: changing it
// afterwards does not touch that endpoint's connections, even ones made
// later (a tcp connect completes in the background).
TEST_CASE("NN_SNDPRIO is fixed per endpoint when it is made") {
    socket_guard preferred(NN_PULL), other(NN_PULL), push(NN_PUSH);
    const std::string first = bind_free_tcp(preferred.s, nn_bind);
    const std::string second = bind_free_tcp(other.s, nn_bind);
    REQUIRE_FALSE(first.empty());
    REQUIRE_FALSE(second.empty());

    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDPRIO, 1) == 0);
    REQUIRE(nn_connect(push.s, first.c_str()) >= 0);
    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDPRIO, 16) == 0);
    REQUIRE(nn_connect(push.s, second.c_str()) >= 0);
    REQUIRE(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_CONNECTIONS, 2));

    for (int i = 0; i < 20; ++i) REQUIRE(nn_send(push.s, "m", 1, 0) == 1);
    REQUIRE(set_int_option(preferred.s, NN_SOL_SOCKET, NN_RCVTIMEO, 10000) == 0);
    char buf[4];
    for (int i = 0; i < 20; ++i) REQUIRE(nn_recv(preferred.s, buf, sizeof buf, 0) == 1);
    CHECK(nn_recv(other.s, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EAGAIN);
}
