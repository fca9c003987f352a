// nn_send / nn_recv end to end, over the real transports and protocols.
// Scatter/gather, control data, NN_MSG buffers and statistics have files of
// their own (c_api_iovec_test, c_api_cmsg_test, c_api_zerocopy_test,
// c_api_stats_test).
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;

namespace {

void check_round_trip(int a, int b) {
    REQUIRE(nn_send(a, "hello", 5, 0) == 5);
    char buf[16] = {};
    REQUIRE(nn_recv(b, buf, sizeof buf, 0) == 5);
    CHECK(std::string(buf, 5) == "hello");
}

// Two sockets of the given protocols, with finite timeouts, for a test to
// bind and connect; both closed at the end.
struct pair_of_sockets {
    pair_of_sockets(int bind_protocol, int connect_protocol)
        : binder(make_socket(AF_SP, bind_protocol)),
          connector(make_socket(AF_SP, connect_protocol)) {}
    pair_of_sockets(const pair_of_sockets&) = delete;
    pair_of_sockets& operator=(const pair_of_sockets&) = delete;
    ~pair_of_sockets() {
        CHECK(nn_close(binder) == 0);
        CHECK(nn_close(connector) == 0);
    }
    int binder;
    int connector;
};

}  // namespace

TEST_CASE("PAIR over inproc carries messages both ways") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    join_inproc(p.binder, p.connector, "pair");
    check_round_trip(p.connector, p.binder);
    check_round_trip(p.binder, p.connector);
}

TEST_CASE("a connect made before the bind pairs when the bind happens (inproc)") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = "inproc://" + unique_name("late-bind");
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    check_round_trip(p.connector, p.binder);
}

TEST_CASE("PUSH to PULL over inproc") {
    pair_of_sockets p(NN_PULL, NN_PUSH);
    join_inproc(p.binder, p.connector, "pipeline");
    for (int i = 0; i < 100; ++i) {
        const std::string text = "message " + std::to_string(i);
        REQUIRE(nn_send(p.connector, text.data(), text.size(), 0) == static_cast<int>(text.size()));
    }
    for (int i = 0; i < 100; ++i) {
        char buf[32];
        const int n = nn_recv(p.binder, buf, sizeof buf, 0);
        REQUIRE(n > 0);
        CHECK(std::string(buf, static_cast<std::size_t>(n)) == "message " + std::to_string(i));
    }
}

TEST_CASE("PAIR over tcp carries messages both ways") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = bind_free_tcp(p.binder, nn_bind);
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    check_round_trip(p.connector, p.binder);  // the blocking send waits for the connection
    check_round_trip(p.binder, p.connector);
}

TEST_CASE("PUSH to PULL over tcp") {
    pair_of_sockets p(NN_PULL, NN_PUSH);
    const std::string address = bind_free_tcp(p.binder, nn_bind);
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    check_round_trip(p.connector, p.binder);
}

TEST_CASE("PAIR over ipc carries messages both ways") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = ipc_address("pair");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    check_round_trip(p.connector, p.binder);
    check_round_trip(p.binder, p.connector);
}

TEST_CASE("a large message crosses tcp intact") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = bind_free_tcp(p.binder, nn_bind);
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    std::string big(512 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
    REQUIRE(nn_send(p.connector, big.data(), big.size(), 0) == static_cast<int>(big.size()));
    void* got = nullptr;
    const int n = nn_recv(p.binder, &got, NN_MSG, 0);
    REQUIRE(n == static_cast<int>(big.size()));
    CHECK(std::memcmp(got, big.data(), big.size()) == 0);
    CHECK(nn_freemsg(got) == 0);
}

TEST_CASE("nn_recv returns the full size even when the buffer is shorter") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    join_inproc(p.binder, p.connector, "truncate");
    REQUIRE(nn_send(p.connector, "hello world", 11, 0) == 11);
    char buf[4] = {};
    CHECK(nn_recv(p.binder, buf, sizeof buf, 0) == 11);
    CHECK(std::string(buf, 4) == "hell");
}

TEST_CASE("an empty message is a message") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    join_inproc(p.binder, p.connector, "empty");
    REQUIRE(nn_send(p.connector, nullptr, 0, 0) == 0);
    char buf[4];
    CHECK(nn_recv(p.binder, buf, sizeof buf, 0) == 0);
}

// A body bigger than the pipe's first allocation for it (1 MiB) grows as its
// bytes arrive, and still arrives whole.
TEST_CASE("a message of several megabytes crosses tcp intact") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const int unlimited = -1;
    REQUIRE(nn_setsockopt(p.binder, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited) == 0);
    const std::string address = bind_free_tcp(p.binder, nn_bind);
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    std::string big(5 * 1024 * 1024 + 3, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 13 + (i >> 20));
    REQUIRE(nn_send(p.connector, big.data(), big.size(), 0) == static_cast<int>(big.size()));
    void* got = nullptr;
    const int n = nn_recv(p.binder, &got, NN_MSG, 0);
    REQUIRE(n == static_cast<int>(big.size()));
    CHECK(std::memcmp(got, big.data(), big.size()) == 0);
    CHECK(nn_freemsg(got) == 0);
}
