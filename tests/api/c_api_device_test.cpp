// nn_device through the C API: argument checks, and a raw PAIR broker.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;

TEST_CASE("nn_device needs a socket, raw sockets and one protocol family") {
    CHECK(nn_device(-1, -1) == -1);
    CHECK(nn_errno() == EBADF);
    const int cooked = nn_socket(AF_SP, NN_PAIR);
    const int raw_pair = nn_socket(AF_SP_RAW, NN_PAIR);
    const int raw_push = nn_socket(AF_SP_RAW, NN_PUSH);
    const int raw_push2 = nn_socket(AF_SP_RAW, NN_PUSH);
    REQUIRE(cooked >= 0);
    REQUIRE(raw_pair >= 0);
    REQUIRE(raw_push >= 0);
    REQUIRE(raw_push2 >= 0);
    CHECK(nn_device(cooked, raw_pair) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_device(raw_pair, raw_push) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_device(raw_push, raw_push2) == -1);  // nobody receives what PUSH sends
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_device(cooked, -1) == -1);
    CHECK(nn_errno() == EINVAL);
    for (int s : {cooked, raw_pair, raw_push, raw_push2}) CHECK(nn_close(s) == 0);
}

TEST_CASE("a raw PAIR device forwards both ways until one of its sockets is closed") {
    const int front = nn_socket(AF_SP_RAW, NN_PAIR);
    const int back = nn_socket(AF_SP_RAW, NN_PAIR);
    const int client = nn_socket(AF_SP, NN_PAIR);
    const int server = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(front >= 0);
    REQUIRE(back >= 0);
    REQUIRE(client >= 0);
    REQUIRE(server >= 0);
    const int timeout = 10000;
    for (int s : {client, server}) {
        REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout, sizeof timeout) == 0);
        REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout) == 0);
    }
    const std::string front_address = "inproc://" + unique_name("front");
    const std::string back_address = "inproc://" + unique_name("back");
    REQUIRE(nn_bind(front, front_address.c_str()) > 0);
    REQUIRE(nn_bind(back, back_address.c_str()) > 0);
    REQUIRE(nn_connect(client, front_address.c_str()) > 0);
    REQUIRE(nn_connect(server, back_address.c_str()) > 0);

    int result = 0, error = 0;
    std::thread device([&] {
        result = nn_device(front, back);
        error = nn_errno();
    });

    char buf[16] = {};
    REQUIRE(nn_send(client, "request", 7, 0) == 7);
    REQUIRE(nn_recv(server, buf, sizeof buf, 0) == 7);
    CHECK(std::string(buf, 7) == "request");
    REQUIRE(nn_send(server, "reply", 5, 0) == 5);
    REQUIRE(nn_recv(client, buf, sizeof buf, 0) == 5);
    CHECK(std::string(buf, 5) == "reply");

    CHECK(nn_close(front) == 0);
    device.join();
    CHECK(result == -1);
    CHECK(error == EBADF);
    for (int s : {back, client, server}) CHECK(nn_close(s) == 0);
}
