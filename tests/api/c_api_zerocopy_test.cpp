// NN_MSG buffers (nanomsg's tests/zerocopy.c): messages allocated by the
// library, handed to nn_send / nn_sendmsg without a copy and received as
// buffers the caller frees.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pubsub.h"

using namespace nanoport::test;

namespace {

void* message_of(const char* text) {
    const std::size_t n = std::strlen(text);
    void* m = nn_allocmsg(n, 0);
    REQUIRE(m != nullptr);
    std::memcpy(m, text, n);
    return m;
}

}  // namespace

TEST_CASE("NN_MSG buffers are sent and received without copying the bytes out") {
    connected_pair p;
    void* out = message_of("abcdef");
    REQUIRE(nn_send(p.b, &out, NN_MSG, 0) == 6);  // out now belongs to the library
    void* in = nullptr;
    REQUIRE(nn_recv(p.a, &in, NN_MSG, 0) == 6);
    REQUIRE(in != nullptr);
    CHECK(std::memcmp(in, "abcdef", 6) == 0);
    CHECK(in == out);  // inproc hands the very chunk over
    CHECK(nn_freemsg(in) == 0);
}

TEST_CASE("an NN_MSG buffer stays the caller's when the send fails") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    void* out = message_of("abc");
    CHECK(nn_send(s, &out, NN_MSG, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EAGAIN);
    CHECK(std::memcmp(out, "abc", 3) == 0);
    CHECK(nn_freemsg(out) == 0);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("nn_sendmsg sends an NN_MSG iovec's buffer and takes it") {
    connected_pair p;
    void* out = message_of("zero-copy");
    nn_iovec iov{&out, NN_MSG};
    const nn_msghdr hdr = header_of(&iov, 1);
    REQUIRE(nn_sendmsg(p.b, &hdr, 0) == 9);
    void* in = nullptr;
    REQUIRE(nn_recv(p.a, &in, NN_MSG, 0) == 9);
    CHECK(std::memcmp(in, "zero-copy", 9) == 0);
    CHECK(in == out);  // the very buffer travelled (inproc)
    CHECK(nn_freemsg(in) == 0);
}

TEST_CASE("nn_recvmsg with an NN_MSG iovec hands over a buffer the caller frees") {
    connected_pair p;
    REQUIRE(nn_send(p.b, "copied in", 9, 0) == 9);
    void* in = nullptr;
    nn_iovec iov{&in, NN_MSG};
    nn_msghdr hdr = header_of(&iov, 1);
    REQUIRE(nn_recvmsg(p.a, &hdr, 0) == 9);
    REQUIRE(in != nullptr);
    CHECK(std::memcmp(in, "copied in", 9) == 0);
    // It is an NN_MSG buffer like any other: it can grow and be sent on.
    void* grown = nn_reallocmsg(in, 100);
    REQUIRE(grown != nullptr);
    CHECK(std::memcmp(grown, "copied in", 9) == 0);
    REQUIRE(nn_send(p.a, &grown, NN_MSG, 0) == 100);
    char buf[128];
    CHECK(nn_recv(p.b, buf, sizeof buf, 0) == 100);
    CHECK(std::memcmp(buf, "copied in", 9) == 0);
}

TEST_CASE("an empty NN_MSG buffer is an empty message") {
    connected_pair p;
    void* out = nn_allocmsg(0, 0);
    REQUIRE(out != nullptr);
    REQUIRE(nn_send(p.b, &out, NN_MSG, 0) == 0);
    void* in = nullptr;
    REQUIRE(nn_recv(p.a, &in, NN_MSG, 0) == 0);
    CHECK(in != nullptr);
    CHECK(nn_freemsg(in) == 0);
}

TEST_CASE("subscribers that receive one published NN_MSG buffer each own an independent copy") {
    const int pub = make_socket(AF_SP, NN_PUB);
    const int sub1 = make_socket(AF_SP, NN_SUB);
    const int sub2 = make_socket(AF_SP, NN_SUB);
    const std::string address = bind_inproc(pub, "zerocopy-pub");
    for (int sub : {sub1, sub2}) {
        REQUIRE(nn_setsockopt(sub, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) == 0);
        REQUIRE(nn_connect(sub, address.c_str()) > 0);
    }
    REQUIRE(wait_for_statistic_equal(pub, NN_STAT_CURRENT_CONNECTIONS, 2));
    void* out = message_of("shared");
    REQUIRE(nn_send(pub, &out, NN_MSG, 0) == 6);
    void* first = nullptr;
    void* second = nullptr;
    REQUIRE(nn_recv(sub1, &first, NN_MSG, 0) == 6);
    REQUIRE(nn_recv(sub2, &second, NN_MSG, 0) == 6);
    // One subscriber writes into its buffer and grows it; the other's bytes stay.
    std::memcpy(first, "SHARED", 6);
    first = nn_reallocmsg(first, 4096);
    REQUIRE(first != nullptr);
    CHECK(std::memcmp(second, "shared", 6) == 0);
    CHECK(std::memcmp(first, "SHARED", 6) == 0);
    CHECK(nn_freemsg(first) == 0);
    CHECK(nn_freemsg(second) == 0);
    for (int s : {pub, sub1, sub2}) CHECK(nn_close(s) == 0);
}
