// Blocking, NN_DONTWAIT, nn_close from another thread, and NN_SNDBUF
// back-pressure, through the C API. (NN_SNDTIMEO / NN_RCVTIMEO:
// c_api_timeout_test.)
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;
using namespace std::chrono_literals;

TEST_CASE("nn_recv with NN_DONTWAIT and nothing to receive is EAGAIN") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    char buf[8];
    CHECK(nn_recv(s, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EAGAIN);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_send with NN_DONTWAIT and no peer is EAGAIN") {
    const int s = nn_socket(AF_SP, NN_PUSH);
    REQUIRE(s >= 0);
    CHECK(nn_send(s, "x", 1, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EAGAIN);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("a socket type that cannot send or receive says ENOTSUP") {
    const int pull = nn_socket(AF_SP, NN_PULL);
    const int push = nn_socket(AF_SP, NN_PUSH);
    REQUIRE(pull >= 0);
    REQUIRE(push >= 0);
    CHECK(nn_send(pull, "x", 1, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == ENOTSUP);
    char buf[4];
    CHECK(nn_recv(push, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == ENOTSUP);
    CHECK(nn_close(pull) == 0);
    CHECK(nn_close(push) == 0);
}

TEST_CASE("a blocked nn_recv returns the message sent from another thread") {
    const int a = nn_socket(AF_SP, NN_PAIR);
    const int b = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    set_socket_option(a, NN_RCVTIMEO, 10000);
    join_inproc(a, b, "blocked-recv");
    int result = -2;
    char buf[8] = {};
    std::thread receiver([&] { result = nn_recv(a, buf, sizeof buf, 0); });
    REQUIRE(wait_until_blocked(a));
    REQUIRE(nn_send(b, "wake", 4, 0) == 4);
    receiver.join();
    CHECK(result == 4);
    CHECK(std::string(buf, 4) == "wake");
    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
}

TEST_CASE("nn_close wakes an nn_recv blocked in another thread with EBADF") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    int result = 0;
    int error = 0;
    std::thread receiver([&] {
        char buf[8];
        result = nn_recv(s, buf, sizeof buf, 0);
        error = nn_errno();
    });
    REQUIRE(wait_until_blocked(s));
    CHECK(nn_close(s) == 0);
    receiver.join();
    CHECK(result == -1);
    CHECK(error == EBADF);
    char buf[8];
    CHECK(nn_recv(s, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EBADF);
}

TEST_CASE("nn_close of a bound and connected socket returns and frees the name") {
    const int a = nn_socket(AF_SP, NN_PAIR);
    const int b = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    const std::string address = join_inproc(a, b, "close");
    REQUIRE(nn_send(b, "x", 1, 0) == 1);
    CHECK(nn_close(a) == 0);
    const int c = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(c >= 0);
    CHECK(nn_bind(c, address.c_str()) > 0);  // nn_close returned after the bind was gone
    CHECK(nn_close(b) == 0);
    CHECK(nn_close(c) == 0);
}

namespace {

// With a small NN_SNDBUF and nobody reading, NN_DONTWAIT sends fill the
// buffers and then fail with EAGAIN; once the receiver has read, sends work
// again. Returns the bytes accepted before EAGAIN.
std::size_t check_back_pressure(int sender, int receiver, std::size_t message_size,
                                std::size_t limit_bytes) {
    const std::string payload(message_size, 'p');
    std::size_t sent = 0;
    int count = 0;
    for (;;) {
        const int rc = nn_send(sender, payload.data(), payload.size(), NN_DONTWAIT);
        if (rc < 0) {
            CHECK(nn_errno() == EAGAIN);
            break;
        }
        sent += payload.size();
        ++count;
        if (sent > limit_bytes) {
            FAIL("no back-pressure after ", sent, " bytes");
            return sent;
        }
    }
    CHECK(count > 0);
    // Read everything that was accepted; then the sender has room again.
    std::vector<char> buf(message_size);
    for (int i = 0; i < count; ++i) {
        REQUIRE(nn_recv(receiver, buf.data(), buf.size(), 0) == static_cast<int>(message_size));
    }
    CHECK(nn_send(sender, payload.data(), payload.size(), 0) == static_cast<int>(message_size));
    REQUIRE(nn_recv(receiver, buf.data(), buf.size(), 0) == static_cast<int>(message_size));
    return sent;
}

}  // namespace

TEST_CASE("NN_SNDBUF in bytes applies back-pressure over inproc") {
    const int push = nn_socket(AF_SP, NN_PUSH);
    const int pull = nn_socket(AF_SP, NN_PULL);
    REQUIRE(push >= 0);
    REQUIRE(pull >= 0);
    set_socket_option(push, NN_SNDBUF, 4096);
    set_socket_option(pull, NN_RCVBUF, 4096);
    set_socket_option(push, NN_SNDTIMEO, 10000);
    set_socket_option(pull, NN_RCVTIMEO, 10000);
    join_inproc(pull, push, "back-pressure");
    // Bytes, not messages: 100-byte messages stop after about 8 KiB in all.
    const std::size_t sent = check_back_pressure(push, pull, 100, 4096 + 4096 + 2 * 100);
    CHECK(sent >= 100u);
    CHECK(nn_close(push) == 0);
    CHECK(nn_close(pull) == 0);
}

TEST_CASE("NN_SNDBUF applies back-pressure over tcp once the kernel's buffers are full") {
    const int push = nn_socket(AF_SP, NN_PUSH);
    const int pull = nn_socket(AF_SP, NN_PULL);
    REQUIRE(push >= 0);
    REQUIRE(pull >= 0);
    set_socket_option(push, NN_SNDBUF, 65536);
    set_socket_option(pull, NN_RCVBUF, 65536);
    set_socket_option(push, NN_SNDTIMEO, 10000);
    set_socket_option(pull, NN_RCVTIMEO, 10000);
    const std::string address = bind_free_tcp(pull, nn_bind);
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(push, address.c_str()) > 0);
    // Wait for the connection with one blocking round trip.
    char one;
    REQUIRE(nn_send(push, "c", 1, 0) == 1);
    REQUIRE(nn_recv(pull, &one, 1, 0) == 1);
    check_back_pressure(push, pull, 16384, std::size_t(256) << 20);
    CHECK(nn_close(push) == 0);
    CHECK(nn_close(pull) == 0);
}
