// The C API's stateless parts: errors, message buffers, control message
// macros. (nn_symbol and nn_symbol_info: c_api_symbol_test.)
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>


TEST_CASE("nn_strerror names nanomsg's own errors and defers to strerror for the rest") {
    CHECK(std::string(nn_strerror(ETERM)) == "Nanomsg library was terminated");
    CHECK(std::string(nn_strerror(EFSM)) == "Operation cannot be performed in this state");
    CHECK(std::string(nn_strerror(EINVAL)) == std::strerror(EINVAL));
    CHECK(std::string(nn_strerror(EAGAIN)) == std::strerror(EAGAIN));
}

TEST_CASE("nn_errno reads what a failed call set") {
    CHECK(nn_socket(AF_SP, 7) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_errno() == errno);
}

TEST_CASE("nn_allocmsg, nn_reallocmsg and nn_freemsg manage message buffers") {
    CHECK(nn_allocmsg(10, 1) == nullptr);
    CHECK(nn_errno() == EINVAL);
    char* m = static_cast<char*>(nn_allocmsg(100, 0));
    REQUIRE(m != nullptr);
    std::memcpy(m, "keep", 4);
    char* shrunk = static_cast<char*>(nn_reallocmsg(m, 10));
    CHECK(shrunk == m);  // shrinking keeps the address (nanomsg's promise)
    char* grown = static_cast<char*>(nn_reallocmsg(shrunk, 100000));
    REQUIRE(grown != nullptr);
    CHECK(std::memcmp(grown, "keep", 4) == 0);
    CHECK(nn_freemsg(grown) == 0);
    CHECK(nn_freemsg(nullptr) == -1);
    CHECK(nn_errno() == EFAULT);
}

TEST_CASE("the NN_CMSG macros walk control data") {
    alignas(std::size_t) unsigned char control[NN_CMSG_SPACE(4) + NN_CMSG_SPACE(8)] = {};
    nn_msghdr hdr{};
    hdr.msg_control = control;
    hdr.msg_controllen = sizeof control;
    nn_cmsghdr* first = NN_CMSG_FIRSTHDR(&hdr);
    REQUIRE(first != nullptr);
    CHECK(reinterpret_cast<unsigned char*>(first) == control);
    first->cmsg_len = NN_CMSG_LEN(4);
    nn_cmsghdr* second = NN_CMSG_NXTHDR(&hdr, first);
    REQUIRE(second != nullptr);
    CHECK(reinterpret_cast<unsigned char*>(second) == control + NN_CMSG_SPACE(4));
    second->cmsg_len = NN_CMSG_LEN(8);
    CHECK(NN_CMSG_NXTHDR(&hdr, second) == nullptr);

    // A header claiming more than there is ends the walk.
    second->cmsg_len = 1000;
    CHECK(NN_CMSG_NXTHDR(&hdr, first) == nullptr);
    hdr.msg_controllen = 4;
    CHECK(NN_CMSG_FIRSTHDR(&hdr) == nullptr);
    hdr.msg_control = nullptr;
    CHECK(NN_CMSG_FIRSTHDR(&hdr) == nullptr);
}
