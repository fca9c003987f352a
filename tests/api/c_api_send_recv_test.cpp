// nn_send / nn_recv / nn_sendmsg / nn_recvmsg end to end, over the real
// transports and protocols.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"

using namespace nanoport::test;

namespace {

// Both ends get finite timeouts so that a broken test fails instead of hanging.
void set_timeouts(int s, int ms = 10000) {
    REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &ms, sizeof ms) == 0);
    REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &ms, sizeof ms) == 0);
}

void check_round_trip(int a, int b) {
    REQUIRE(nn_send(a, "hello", 5, 0) == 5);
    char buf[16] = {};
    REQUIRE(nn_recv(b, buf, sizeof buf, 0) == 5);
    CHECK(std::string(buf, 5) == "hello");
}

// A connected pair of sockets of the given protocols over address.
struct pair_of_sockets {
    pair_of_sockets(int bind_protocol, int connect_protocol) {
        binder = nn_socket(AF_SP, bind_protocol);
        connector = nn_socket(AF_SP, connect_protocol);
        REQUIRE(binder >= 0);
        REQUIRE(connector >= 0);
        set_timeouts(binder);
        set_timeouts(connector);
    }
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
    const std::string address = "inproc://" + unique_name("pair");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
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
    const std::string address = "inproc://" + unique_name("pipeline");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
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
    const std::string address = "inproc://" + unique_name("truncate");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    REQUIRE(nn_send(p.connector, "hello world", 11, 0) == 11);
    char buf[4] = {};
    CHECK(nn_recv(p.binder, buf, sizeof buf, 0) == 11);
    CHECK(std::string(buf, 4) == "hell");
}

TEST_CASE("an empty message is a message") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = "inproc://" + unique_name("empty");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    REQUIRE(nn_send(p.connector, nullptr, 0, 0) == 0);
    char buf[4];
    CHECK(nn_recv(p.binder, buf, sizeof buf, 0) == 0);
}

TEST_CASE("NN_MSG buffers are sent and received without copying the bytes out") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = "inproc://" + unique_name("zero-copy");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    void* out = nn_allocmsg(6, 0);
    REQUIRE(out != nullptr);
    std::memcpy(out, "abcdef", 6);
    REQUIRE(nn_send(p.connector, &out, NN_MSG, 0) == 6);  // out now belongs to the library
    void* in = nullptr;
    REQUIRE(nn_recv(p.binder, &in, NN_MSG, 0) == 6);
    REQUIRE(in != nullptr);
    CHECK(std::memcmp(in, "abcdef", 6) == 0);
    CHECK(in == out);  // inproc hands the very chunk over
    CHECK(nn_freemsg(in) == 0);
}

TEST_CASE("an NN_MSG buffer stays the caller's when the send fails") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    void* out = nn_allocmsg(3, 0);
    REQUIRE(out != nullptr);
    std::memcpy(out, "abc", 3);
    CHECK(nn_send(s, &out, NN_MSG, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EAGAIN);
    CHECK(std::memcmp(out, "abc", 3) == 0);
    CHECK(nn_freemsg(out) == 0);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_sendmsg gathers and nn_recvmsg scatters") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = "inproc://" + unique_name("iov");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);

    char a[] = "abc", b[] = "defg";
    nn_iovec out_iov[2] = {{a, 3}, {b, 4}};
    nn_msghdr out{};
    out.msg_iov = out_iov;
    out.msg_iovlen = 2;
    REQUIRE(nn_sendmsg(p.connector, &out, 0) == 7);

    char x[2], y[10] = {};
    nn_iovec in_iov[2] = {{x, 2}, {y, 10}};
    nn_msghdr in{};
    in.msg_iov = in_iov;
    in.msg_iovlen = 2;
    REQUIRE(nn_recvmsg(p.binder, &in, 0) == 7);
    CHECK(std::string(x, 2) == "ab");
    CHECK(std::string(y, 5) == "cdefg");
}

TEST_CASE("raw PAIR passes an SP header through control data") {
    const int a = nn_socket(AF_SP_RAW, NN_PAIR);
    const int b = nn_socket(AF_SP_RAW, NN_PAIR);
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    set_timeouts(a);
    set_timeouts(b);
    const std::string address = "inproc://" + unique_name("raw");
    REQUIRE(nn_bind(a, address.c_str()) > 0);
    REQUIRE(nn_connect(b, address.c_str()) > 0);

    // Control data as nn_recvmsg writes it: SP_HDR = size_t count + bytes.
    const unsigned char header[4] = {0x80, 0, 0, 1};
    unsigned char control[NN_CMSG_SPACE(sizeof(size_t) + sizeof header)] = {};
    nn_cmsghdr* c = reinterpret_cast<nn_cmsghdr*>(control);
    c->cmsg_len = sizeof control;
    c->cmsg_level = PROTO_SP;
    c->cmsg_type = SP_HDR;
    const size_t n = sizeof header;
    std::memcpy(NN_CMSG_DATA(c), &n, sizeof n);
    std::memcpy(NN_CMSG_DATA(c) + sizeof n, header, sizeof header);

    char body[] = "body";
    nn_iovec iov{body, 4};
    nn_msghdr out{};
    out.msg_iov = &iov;
    out.msg_iovlen = 1;
    out.msg_control = control;
    out.msg_controllen = sizeof control;
    REQUIRE(nn_sendmsg(b, &out, 0) == 4);

    char got[8] = {};
    nn_iovec in_iov{got, sizeof got};
    void* in_control = nullptr;
    nn_msghdr in{};
    in.msg_iov = &in_iov;
    in.msg_iovlen = 1;
    in.msg_control = &in_control;
    in.msg_controllen = NN_MSG;
    REQUIRE(nn_recvmsg(a, &in, 0) == 4);
    CHECK(std::string(got, 4) == "body");
    nn_cmsghdr* h = NN_CMSG_FIRSTHDR(&in);
    REQUIRE(h != nullptr);
    CHECK(h->cmsg_level == PROTO_SP);
    CHECK(h->cmsg_type == SP_HDR);
    size_t got_size = 0;
    std::memcpy(&got_size, NN_CMSG_DATA(h), sizeof got_size);
    CHECK(got_size == sizeof header);
    CHECK(std::memcmp(NN_CMSG_DATA(h) + sizeof(size_t), header, sizeof header) == 0);
    CHECK(NN_CMSG_NXTHDR(&in, h) == nullptr);
    CHECK(nn_freemsg(in_control) == 0);
    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
}

TEST_CASE("statistics count messages and bytes") {
    pair_of_sockets p(NN_PAIR, NN_PAIR);
    const std::string address = "inproc://" + unique_name("stats");
    REQUIRE(nn_bind(p.binder, address.c_str()) > 0);
    REQUIRE(nn_connect(p.connector, address.c_str()) > 0);
    check_round_trip(p.connector, p.binder);
    CHECK(nn_get_statistic(p.connector, NN_STAT_MESSAGES_SENT) == 1u);
    CHECK(nn_get_statistic(p.connector, NN_STAT_BYTES_SENT) == 5u);
    CHECK(nn_get_statistic(p.binder, NN_STAT_MESSAGES_RECEIVED) == 1u);
    CHECK(nn_get_statistic(p.binder, NN_STAT_BYTES_RECEIVED) == 5u);
    CHECK(nn_get_statistic(p.binder, NN_STAT_CURRENT_CONNECTIONS) == 1u);
    CHECK(nn_get_statistic(p.binder, 999) == UINT64_MAX);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_get_statistic(12345, NN_STAT_MESSAGES_SENT) == UINT64_MAX);
    CHECK(nn_errno() == EBADF);
}
