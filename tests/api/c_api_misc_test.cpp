// The C API's stateless parts: errors, symbols, message buffers, control
// message macros.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/tcp.h"

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

TEST_CASE("nn_symbol walks the table in nanomsg's order and ends with EINVAL") {
    int value = -1;
    const char* first = nn_symbol(0, &value);
    REQUIRE(first != nullptr);
    CHECK(std::string(first) == "NN_NS_NAMESPACE");
    CHECK(value == NN_NS_NAMESPACE);
    bool saw_push = false, saw_nodelay = false, saw_eterm = false;
    int i = 0;
    for (; const char* name = nn_symbol(i, &value); ++i) {
        const std::string n(name);
        if (n == "NN_PUSH") saw_push = value == NN_PUSH;
        if (n == "NN_TCP_NODELAY") saw_nodelay = value == NN_TCP_NODELAY;
        if (n == "ETERM") saw_eterm = value == ETERM;
    }
    CHECK(i == 121);  // nanomsg 1.1.5 has 121 symbols
    CHECK(nn_errno() == EINVAL);
    CHECK(saw_push);
    CHECK(saw_nodelay);
    CHECK(saw_eterm);
    CHECK(nn_symbol(-1, &value) == nullptr);
}

TEST_CASE("nn_symbol_info describes options with their type and unit") {
    nn_symbol_properties p{};
    bool found = false;
    for (int i = 0; nn_symbol_info(i, &p, sizeof p) > 0; ++i) {
        if (std::string(p.name) == "NN_SNDBUF") {
            found = true;
            CHECK(p.value == NN_SNDBUF);
            CHECK(p.ns == NN_NS_SOCKET_OPTION);
            CHECK(p.type == NN_TYPE_INT);
            CHECK(p.unit == NN_UNIT_BYTES);
        }
    }
    CHECK(found);
    CHECK(nn_symbol_info(10000, &p, sizeof p) == 0);
    CHECK(nn_symbol_info(0, &p, 4) == 4);  // copies at most buflen bytes
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
