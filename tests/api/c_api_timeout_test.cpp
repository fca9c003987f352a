// NN_SNDTIMEO and NN_RCVTIMEO (nanomsg's tests/timeo.c): a blocked call
// gives up with ETIMEDOUT once its timeout has passed, and only then.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;
using namespace std::chrono_literals;

TEST_CASE("NN_RCVTIMEO ends a blocked nn_recv with ETIMEDOUT") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    set_socket_option(s, NN_RCVTIMEO, 100);
    char buf[8];
    const auto start = std::chrono::steady_clock::now();
    CHECK(nn_recv(s, buf, sizeof buf, 0) == -1);
    CHECK(nn_errno() == ETIMEDOUT);
    CHECK(std::chrono::steady_clock::now() - start >= 100ms);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("NN_SNDTIMEO ends a blocked nn_send with ETIMEDOUT") {
    const int s = nn_socket(AF_SP, NN_PUSH);
    REQUIRE(s >= 0);
    set_socket_option(s, NN_SNDTIMEO, 100);
    const auto start = std::chrono::steady_clock::now();
    CHECK(nn_send(s, "x", 1, 0) == -1);
    CHECK(nn_errno() == ETIMEDOUT);
    CHECK(std::chrono::steady_clock::now() - start >= 100ms);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("a zero timeout fails at once with ETIMEDOUT, as nanomsg does") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    set_socket_option(s, NN_RCVTIMEO, 0);
    char buf[8];
    CHECK(nn_recv(s, buf, sizeof buf, 0) == -1);
    CHECK(nn_errno() == ETIMEDOUT);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("NN_SNDTIMEO ends a send blocked by a peer that does not read") {
    const int push = nn_socket(AF_SP, NN_PUSH);
    const int pull = nn_socket(AF_SP, NN_PULL);
    REQUIRE(push >= 0);
    REQUIRE(pull >= 0);
    set_socket_option(push, NN_SNDBUF, 1024);
    set_socket_option(pull, NN_RCVBUF, 1024);
    join_inproc(pull, push, "timeo-full");
    const std::string payload(256, 'p');
    set_socket_option(push, NN_SNDTIMEO, 10000);
    // The first send waits for the pipe; then fill it without waiting.
    REQUIRE(nn_send(push, payload.data(), payload.size(), 0) == 256);
    fill_until_full(push, payload);
    set_socket_option(push, NN_SNDTIMEO, 100);
    const auto start = std::chrono::steady_clock::now();
    CHECK(nn_send(push, payload.data(), payload.size(), 0) == -1);
    CHECK(nn_errno() == ETIMEDOUT);
    CHECK(std::chrono::steady_clock::now() - start >= 100ms);
    CHECK(nn_close(push) == 0);
    CHECK(nn_close(pull) == 0);
}

TEST_CASE("a timed-out nn_recv leaves the socket ready for the next message") {
    const int a = nn_socket(AF_SP, NN_PAIR);
    const int b = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    join_inproc(a, b, "timeo-again");
    set_socket_option(a, NN_RCVTIMEO, 50);
    char buf[8];
    CHECK(nn_recv(a, buf, sizeof buf, 0) == -1);
    CHECK(nn_errno() == ETIMEDOUT);
    set_socket_option(b, NN_SNDTIMEO, 10000);
    set_socket_option(a, NN_RCVTIMEO, 10000);
    REQUIRE(nn_send(b, "late", 4, 0) == 4);
    CHECK(nn_recv(a, buf, sizeof buf, 0) == 4);
    CHECK(std::string(buf, 4) == "late");
    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
}
