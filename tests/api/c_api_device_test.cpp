// nn_device through the C API (nanomsg's tests/device.c): argument checks,
// and brokers for PAIR (both ways), REQ/REP (replies routed back by their
// backtrace), PIPELINE (one way) and BUS (one socket looped back). A device
// ends when one of its sockets is closed (EBADF); nn_term ending one is in
// c_api_term_test.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "api/c_api_support.hpp"
#include "nanomsg/bus.h"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/reqrep.h"

using namespace nanoport::test;

namespace {

// nn_device(s1, s2) on its own thread until stop() closes s1, which must end
// it with EBADF. (A test that fails before stop() still closes s1, so the
// thread always ends.)
class device_thread {
public:
    device_thread(int s1, int s2)
        : socket_(s1), thread_([this, s1, s2] {
              result_ = nn_device(s1, s2);
              error_ = nn_errno();
          }) {}
    void stop() {
        CHECK(nn_close(socket_) == 0);
        thread_.join();
        CHECK(result_ == -1);
        CHECK(error_ == EBADF);
    }
    ~device_thread() {
        if (!thread_.joinable()) return;
        nn_close(socket_);
        thread_.join();
    }

private:
    int socket_;
    int result_ = 0;
    int error_ = 0;
    std::thread thread_;
};

}  // namespace

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
    for (int s : {client, server}) set_timeouts(s);
    const std::string front_address = bind_inproc(front, "front");
    const std::string back_address = bind_inproc(back, "back");
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

TEST_CASE("a raw REP/REQ device routes each reply back to the REQ that asked") {
    const int front = make_socket(AF_SP_RAW, NN_REP);
    const int back = make_socket(AF_SP_RAW, NN_REQ);
    const int server = make_socket(AF_SP, NN_REP);
    const int client1 = make_socket(AF_SP, NN_REQ);
    const int client2 = make_socket(AF_SP, NN_REQ);
    const std::string front_address = bind_inproc(front, "device-rep");
    const std::string back_address = bind_inproc(back, "device-req");
    REQUIRE(nn_connect(server, back_address.c_str()) > 0);
    REQUIRE(nn_connect(client1, front_address.c_str()) > 0);
    REQUIRE(nn_connect(client2, front_address.c_str()) > 0);
    device_thread device(front, back);

    send_text(client1, "one");
    send_text(client2, "two");
    for (int i = 0; i < 2; ++i) send_text(server, "re:" + receive_text(server));
    CHECK(receive_text(client1) == "re:one");
    CHECK(receive_text(client2) == "re:two");

    device.stop();
    for (int s : {back, server, client1, client2}) CHECK(nn_close(s) == 0);
}

TEST_CASE("a raw PULL/PUSH device forwards messages one way, in order") {
    const int front = make_socket(AF_SP_RAW, NN_PULL);
    const int back = make_socket(AF_SP_RAW, NN_PUSH);
    const int producer = make_socket(AF_SP, NN_PUSH);
    const int consumer = make_socket(AF_SP, NN_PULL);
    const std::string front_address = bind_inproc(front, "device-pull");
    const std::string back_address = bind_inproc(back, "device-push");
    REQUIRE(nn_connect(producer, front_address.c_str()) > 0);
    REQUIRE(nn_connect(consumer, back_address.c_str()) > 0);
    device_thread device(front, back);

    for (const char* m : {"a", "b", "c"}) send_text(producer, m);
    for (const char* m : {"a", "b", "c"}) CHECK(receive_text(consumer) == m);

    device.stop();
    for (int s : {back, producer, consumer}) CHECK(nn_close(s) == 0);
}

TEST_CASE("a device on one raw BUS socket sends each message to every peer but its sender") {
    const int hub = make_socket(AF_SP_RAW, NN_BUS);
    const std::string address = bind_inproc(hub, "device-bus");
    const int a = make_socket(AF_SP, NN_BUS);
    const int b = make_socket(AF_SP, NN_BUS);
    const int c = make_socket(AF_SP, NN_BUS);
    for (int s : {a, b, c}) REQUIRE(nn_connect(s, address.c_str()) > 0);
    REQUIRE(wait_for_statistic_equal(hub, NN_STAT_CURRENT_CONNECTIONS, 3));
    for (int s : {a, b, c}) REQUIRE(wait_for_statistic_equal(s, NN_STAT_CURRENT_CONNECTIONS, 1));
    device_thread device(hub, -1);

    send_text(a, "from a");
    CHECK(receive_text(b) == "from a");
    CHECK(receive_text(c) == "from a");
    send_text(b, "from b");
    // Had "from a" come back to a, it would be first in line: it was
    // forwarded before b could answer.
    CHECK(receive_text(a) == "from b");
    CHECK(receive_text(c) == "from b");

    device.stop();
    for (int s : {a, b, c}) CHECK(nn_close(s) == 0);
}
