// Connection behaviour through the nanomsg C API over tcp and ipc: peers that
// restart, sends made before any peer exists, and NN_LINGER. (Peers of
// another protocol: c_api_separation_test.)
#include <doctest/doctest.h>

#include "nanomsg/nn.h"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "api/c_api_support.hpp"

using namespace nanoport;

namespace {

// The two addresses every test here runs over.
std::vector<std::string> addresses() {
    return {test::tcp_address(test::free_tcp_port()), test::ipc_address("connection")};
}

// A socket with finite timeouts that redials a lost peer after 20 ms
// (nanomsg's default: 100 ms).
int make_socket(int protocol) {
    const int s = test::make_socket(AF_SP, protocol);
    test::set_socket_option(s, NN_RECONNECT_IVL, 20);
    return s;
}

}  // namespace

TEST_CASE("a connected PAIR finds its peer again after the peer restarts") {
    for (const std::string& url : addresses()) {
        CAPTURE(url);
        int server = make_socket(NN_PAIR);
        const int client = make_socket(NN_PAIR);
        REQUIRE(nn_bind(server, url.c_str()) >= 0);
        REQUIRE(nn_connect(client, url.c_str()) >= 0);
        REQUIRE(nn_send(client, "one", 3, 0) == 3);
        CHECK(test::receive_text(server) == "one");

        // The server process "restarts": a new socket binds the same address.
        REQUIRE(nn_close(server) == 0);
        server = make_socket(NN_PAIR);
        REQUIRE(nn_bind(server, url.c_str()) >= 0);
        // A message sent before the client has noticed that its old
        // connection broke would go into that connection and be lost (as
        // with nanomsg): wait until the broken pipe is gone and a new one is
        // up, bounded.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while ((nn_get_statistic(client, NN_STAT_BROKEN_CONNECTIONS) < 1 ||
                nn_get_statistic(client, NN_STAT_CURRENT_CONNECTIONS) != 1) &&
               std::chrono::steady_clock::now() < until) {
            std::this_thread::yield();
        }
        REQUIRE(nn_get_statistic(client, NN_STAT_CURRENT_CONNECTIONS) == 1);
        REQUIRE(nn_send(client, "two", 3, 0) == 3);
        CHECK(test::receive_text(server) == "two");
        REQUIRE(nn_send(server, "back", 4, 0) == 4);
        CHECK(test::receive_text(client) == "back");
        nn_close(client);
        nn_close(server);
    }
}

TEST_CASE("a send made before any peer exists is delivered when the peer arrives") {
    for (const std::string& url : addresses()) {
        CAPTURE(url);
        const int push = make_socket(NN_PUSH);
        REQUIRE(nn_connect(push, url.c_str()) >= 0);
        int sent = -1;
        std::thread sender([&] { sent = nn_send(push, "early", 5, 0); });
        REQUIRE(test::wait_until_blocked(push));
        const int pull = make_socket(NN_PULL);
        REQUIRE(nn_bind(pull, url.c_str()) >= 0);
        CHECK(test::receive_text(pull) == "early");
        sender.join();
        CHECK(sent == 5);
        nn_close(push);
        nn_close(pull);
    }
}

TEST_CASE("NN_LINGER flushes: a PUSH that sends N and closes at once delivers N") {
    for (const std::string& url : addresses()) {
        CAPTURE(url);
        const int pull = make_socket(NN_PULL);
        const int push = make_socket(NN_PUSH);
        REQUIRE(nn_bind(pull, url.c_str()) >= 0);
        REQUIRE(nn_connect(push, url.c_str()) >= 0);
        constexpr int count = 20000;
        // The PULL is live: it reads while the PUSH sends and closes.
        int received = 0;
        bool in_order = true;
        std::thread reader([&] {
            char buf[1000];
            for (int i = 0; i < count; ++i) {
                if (nn_recv(pull, buf, sizeof buf, 0) != 1000) return;
                int seq;
                std::memcpy(&seq, buf, sizeof seq);
                in_order = in_order && seq == i;
                ++received;
            }
        });
        std::string body(1000, 'p');
        for (int i = 0; i < count; ++i) {
            std::memcpy(body.data(), &i, sizeof i);
            REQUIRE(nn_send(push, body.data(), body.size(), 0) == static_cast<int>(body.size()));
        }
        REQUIRE(nn_close(push) == 0);  // returns once everything has left
        reader.join();
        CHECK(received == count);
        CHECK(in_order);
        nn_close(pull);
    }
}

TEST_CASE("over inproc, what a PUSH sent before closing stays readable by the PULL") {
    const std::string url = "inproc://" + test::unique_name("linger");
    const int pull = make_socket(NN_PULL);
    const int push = make_socket(NN_PUSH);
    REQUIRE(nn_bind(pull, url.c_str()) >= 0);
    REQUIRE(nn_connect(push, url.c_str()) >= 0);
    constexpr int count = 100;  // fits the PULL's receive buffer: no send blocks
    for (int i = 0; i < count; ++i) REQUIRE(nn_send(push, &i, sizeof i, 0) == sizeof i);
    REQUIRE(nn_close(push) == 0);
    // Nothing was read before the close.
    for (int i = 0; i < count; ++i) {
        int seq = -1;
        REQUIRE(nn_recv(pull, &seq, sizeof seq, 0) == sizeof seq);
        CHECK(seq == i);
    }
    // Then the pipe is gone.
    REQUIRE(test::wait_for_statistic_equal(pull, NN_STAT_CURRENT_CONNECTIONS, 0));
    int extra;
    CHECK(nn_recv(pull, &extra, sizeof extra, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EAGAIN);
    nn_close(pull);
}
