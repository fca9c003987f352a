// nn_sendmsg / nn_recvmsg scatter and gather (nanomsg's tests/iovec.c): the
// iovecs a message is gathered from and scattered into, their edge cases,
// and nanomsg's argument errors.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"

using namespace nanoport::test;

TEST_CASE("nn_sendmsg gathers and nn_recvmsg scatters") {
    connected_pair p;
    char a[] = "abc", b[] = "defg";
    nn_iovec out_iov[2] = {{a, 3}, {b, 4}};
    const nn_msghdr out = header_of(out_iov, 2);
    REQUIRE(nn_sendmsg(p.b, &out, 0) == 7);

    char x[2], y[10] = {};
    nn_iovec in_iov[2] = {{x, 2}, {y, 10}};
    nn_msghdr in = header_of(in_iov, 2);
    REQUIRE(nn_recvmsg(p.a, &in, 0) == 7);
    CHECK(std::string(x, 2) == "ab");
    CHECK(std::string(y, 5) == "cdefg");
}

TEST_CASE("nn_sendmsg gathers many iovecs in order, empty ones included") {
    connected_pair p;
    char one[] = "a", two[] = "bc", three[] = "def";
    nn_iovec iov[6] = {{one, 1}, {nullptr, 0}, {two, 2}, {three, 0}, {three, 3}, {one, 1}};
    const nn_msghdr out = header_of(iov, 6);
    REQUIRE(nn_sendmsg(p.b, &out, 0) == 7);
    CHECK(receive_text(p.a) == "abcdefa");
}

TEST_CASE("nn_recvmsg fills its iovecs in order and leaves what the message does not reach") {
    connected_pair p;
    REQUIRE(nn_send(p.b, "12345", 5, 0) == 5);
    char x[2], y[2], z[4], w[4];
    std::memset(z, '-', sizeof z);
    std::memset(w, '-', sizeof w);
    nn_iovec iov[4] = {{x, 2}, {y, 2}, {z, 4}, {w, 4}};
    nn_msghdr in = header_of(iov, 4);
    REQUIRE(nn_recvmsg(p.a, &in, 0) == 5);
    CHECK(std::string(x, 2) == "12");
    CHECK(std::string(y, 2) == "34");
    CHECK(std::string(z, 4) == "5---");
    CHECK(std::string(w, 4) == "----");
}

TEST_CASE("receive iovecs too small for the message truncate it and the full size is returned") {
    connected_pair p;
    REQUIRE(nn_send(p.b, "hello world", 11, 0) == 11);
    char buf[9] = "........";
    nn_iovec iov[2] = {{buf, 3}, {buf + 4, 2}};
    nn_msghdr in = header_of(iov, 2);
    CHECK(nn_recvmsg(p.a, &in, 0) == 11);
    CHECK(std::string(buf, 8) == "hel.lo..");  // nothing written past either iovec
    // The rest of the message is gone, not left for the next call.
    REQUIRE(nn_send(p.b, "next", 4, 0) == 4);
    CHECK(receive_text(p.a) == "next");
}

TEST_CASE("no iovecs at all send an empty message and receive one without writing") {
    connected_pair p;
    const nn_msghdr out = header_of(nullptr, 0);
    REQUIRE(nn_sendmsg(p.b, &out, 0) == 0);
    nn_msghdr in = header_of(nullptr, 0);
    CHECK(nn_recvmsg(p.a, &in, 0) == 0);
    REQUIRE(nn_send(p.b, "abc", 3, 0) == 3);
    CHECK(nn_recvmsg(p.a, &in, 0) == 3);  // the message is taken, its bytes dropped
}

TEST_CASE("NN_MSG next to other iovecs is EINVAL") {
    connected_pair p;
    void* chunk = nn_allocmsg(3, 0);
    REQUIRE(chunk != nullptr);
    char extra[] = "x";
    nn_iovec out_iov[2] = {{&chunk, NN_MSG}, {extra, 1}};
    const nn_msghdr out = header_of(out_iov, 2);
    CHECK(nn_sendmsg(p.b, &out, 0) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_freemsg(chunk) == 0);  // still the caller's

    REQUIRE(nn_send(p.b, "abc", 3, 0) == 3);
    void* got = nullptr;
    nn_iovec in_iov[2] = {{extra, 1}, {&got, NN_MSG}};
    nn_msghdr in = header_of(in_iov, 2);
    CHECK(nn_recvmsg(p.a, &in, 0) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(got == nullptr);
    CHECK(receive_text(p.a) == "abc");  // the failed call took nothing
}

TEST_CASE("an iovec with no buffer but a length is EFAULT") {
    connected_pair p;
    char a[] = "a";
    nn_iovec out_iov[2] = {{a, 1}, {nullptr, 4}};
    const nn_msghdr out = header_of(out_iov, 2);
    CHECK(nn_sendmsg(p.b, &out, 0) == -1);
    CHECK(nn_errno() == EFAULT);
    nn_msghdr in = header_of(out_iov, 2);
    CHECK(nn_recvmsg(p.a, &in, NN_DONTWAIT) == -1);
    CHECK(nn_errno() == EFAULT);
}

TEST_CASE("a null message header is EINVAL") {
    connected_pair p;
    CHECK(nn_sendmsg(p.b, nullptr, 0) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_recvmsg(p.a, nullptr, 0) == -1);
    CHECK(nn_errno() == EINVAL);
}

TEST_CASE("a negative iovec count is EMSGSIZE") {
    connected_pair p;
    char a[] = "a";
    nn_iovec iov{a, 1};
    nn_msghdr bad = header_of(&iov, -1);
    CHECK(nn_sendmsg(p.b, &bad, 0) == -1);
    CHECK(nn_errno() == EMSGSIZE);
    CHECK(nn_recvmsg(p.a, &bad, 0) == -1);
    CHECK(nn_errno() == EMSGSIZE);
}
