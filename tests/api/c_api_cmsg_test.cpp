// Control data (nanomsg's tests/cmsg.c): raw sockets hand the SP header
// (backtrace) to the user as a PROTO_SP / SP_HDR control message and take it
// back on send, which is what lets a raw REP answer a REQ.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/reqrep.h"

using namespace nanoport::test;

namespace {

// Control data with one SP header, laid out as nn_recvmsg writes it:
// cmsg header, then a size_t byte count, then the header bytes.
struct control_data {
    explicit control_data(const std::vector<unsigned char>& header) {
        size = NN_CMSG_SPACE(sizeof(std::size_t) + header.size());
        REQUIRE(size <= sizeof bytes);
        nn_cmsghdr* c = reinterpret_cast<nn_cmsghdr*>(bytes);
        c->cmsg_len = size;
        c->cmsg_level = PROTO_SP;
        c->cmsg_type = SP_HDR;
        const std::size_t n = header.size();
        std::memcpy(NN_CMSG_DATA(c), &n, sizeof n);
        if (n) std::memcpy(NN_CMSG_DATA(c) + sizeof n, header.data(), n);
    }
    alignas(std::max_align_t) unsigned char bytes[256] = {};
    std::size_t size = 0;
};

// Copies the SP header in hdr's control data to out; false when there is none.
bool sp_header_of(const nn_msghdr& hdr, std::vector<unsigned char>& out) {
    for (nn_cmsghdr* c = NN_CMSG_FIRSTHDR(&hdr); c; c = NN_CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level != PROTO_SP || c->cmsg_type != SP_HDR) continue;
        std::size_t n = 0;
        std::memcpy(&n, NN_CMSG_DATA(c), sizeof n);
        const unsigned char* data = NN_CMSG_DATA(c) + sizeof n;
        out.assign(data, data + n);
        return true;
    }
    return false;
}

std::uint32_t word_at(const std::vector<unsigned char>& bytes, std::size_t index) {
    const unsigned char* p = bytes.data() + 4 * index;
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

// A message received with its control data (asked for as an NN_MSG buffer).
struct received {
    std::string body;
    std::vector<unsigned char> header;
    bool has_header = false;
};

received receive_with_header(int s) {
    char buf[64] = {};
    nn_iovec iov{buf, sizeof buf};
    void* control = nullptr;
    nn_msghdr hdr = header_of(&iov, 1);
    hdr.msg_control = &control;
    hdr.msg_controllen = NN_MSG;
    const int n = nn_recvmsg(s, &hdr, 0);
    REQUIRE(n >= 0);
    REQUIRE(control != nullptr);
    received r;
    r.body.assign(buf, static_cast<std::size_t>(n));
    r.has_header = sp_header_of(hdr, r.header);
    CHECK(nn_freemsg(control) == 0);
    return r;
}

int send_with_header(int s, const std::string& body, const std::vector<unsigned char>& header) {
    control_data control(header);
    nn_iovec iov{const_cast<char*>(body.data()), body.size()};
    nn_msghdr hdr = header_of(&iov, 1);
    hdr.msg_control = control.bytes;
    hdr.msg_controllen = control.size;
    return nn_sendmsg(s, &hdr, 0);
}

}  // namespace

TEST_CASE("raw PAIR passes an SP header through control data") {
    const int a = make_socket(AF_SP_RAW, NN_PAIR);
    const int b = make_socket(AF_SP_RAW, NN_PAIR);
    join_inproc(a, b, "cmsg");
    const std::vector<unsigned char> header = {0x80, 0, 0, 1};
    REQUIRE(send_with_header(b, "body", header) == 4);
    const received r = receive_with_header(a);
    CHECK(r.body == "body");
    REQUIRE(r.has_header);
    CHECK(r.header == header);
    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
}

TEST_CASE("a raw REP receives a cooked REQ's request header as control data") {
    const int rep = make_socket(AF_SP_RAW, NN_REP);
    const int req = make_socket(AF_SP, NN_REQ);
    join_inproc(rep, req, "cmsg");
    REQUIRE(nn_send(req, "question", 8, 0) == 8);
    const received r = receive_with_header(rep);
    CHECK(r.body == "question");
    REQUIRE(r.has_header);
    // The pipe id REP pushed (top bit clear), then REQ's request id (top bit set).
    REQUIRE(r.header.size() == 8);
    CHECK((word_at(r.header, 0) & 0x80000000u) == 0);
    CHECK((word_at(r.header, 1) & 0x80000000u) != 0);
    CHECK(nn_close(rep) == 0);
    CHECK(nn_close(req) == 0);
}

TEST_CASE("a raw REP answers a cooked REQ by sending the request's control data back") {
    const int rep = make_socket(AF_SP_RAW, NN_REP);
    const int req = make_socket(AF_SP, NN_REQ);
    join_inproc(rep, req, "cmsg");
    REQUIRE(nn_send(req, "question", 8, 0) == 8);
    const received r = receive_with_header(rep);
    REQUIRE(r.has_header);
    REQUIRE(send_with_header(rep, "answer", r.header) == 6);
    CHECK(receive_text(req) == "answer");
    CHECK(nn_close(rep) == 0);
    CHECK(nn_close(req) == 0);
}

TEST_CASE("an NN_MSG control buffer received on a raw REP can be sent back as it is") {
    const int rep = make_socket(AF_SP_RAW, NN_REP);
    const int req = make_socket(AF_SP, NN_REQ);
    join_inproc(rep, req, "cmsg");
    REQUIRE(nn_send(req, "question", 8, 0) == 8);
    char buf[16];
    nn_iovec iov{buf, sizeof buf};
    void* control = nullptr;
    nn_msghdr hdr = header_of(&iov, 1);
    hdr.msg_control = &control;
    hdr.msg_controllen = NN_MSG;
    REQUIRE(nn_recvmsg(rep, &hdr, 0) == 8);
    REQUIRE(control != nullptr);
    // The same header, control still NN_MSG: nn_sendmsg consumes the buffer.
    char answer[] = "answer";
    iov = {answer, 6};
    REQUIRE(nn_sendmsg(rep, &hdr, 0) == 6);
    CHECK(receive_text(req) == "answer");
    CHECK(nn_close(rep) == 0);
    CHECK(nn_close(req) == 0);
}

TEST_CASE("a raw REQ gets its own request header back on the reply of a cooked REP") {
    const int rep = make_socket(AF_SP, NN_REP);
    const int req = make_socket(AF_SP_RAW, NN_REQ);
    join_inproc(rep, req, "cmsg");
    const std::vector<unsigned char> request_id = {0x80, 0x12, 0x34, 0x56};
    REQUIRE(send_with_header(req, "q", request_id) == 1);
    CHECK(receive_text(rep) == "q");
    REQUIRE(nn_send(rep, "r", 1, 0) == 1);
    const received r = receive_with_header(req);
    CHECK(r.body == "r");
    REQUIRE(r.has_header);
    CHECK(r.header == request_id);
    CHECK(nn_close(rep) == 0);
    CHECK(nn_close(req) == 0);
}

TEST_CASE("a cooked REP keeps the request header to itself: its control data has an empty one") {
    const int rep = make_socket(AF_SP, NN_REP);
    const int req = make_socket(AF_SP, NN_REQ);
    join_inproc(rep, req, "cmsg");
    REQUIRE(nn_send(req, "question", 8, 0) == 8);
    const received r = receive_with_header(rep);
    CHECK(r.body == "question");
    REQUIRE(r.has_header);
    CHECK(r.header.empty());
    CHECK(nn_close(rep) == 0);
    CHECK(nn_close(req) == 0);
}

TEST_CASE("nn_recvmsg writes the SP header into a caller's control buffer that is big enough") {
    const int a = make_socket(AF_SP_RAW, NN_PAIR);
    const int b = make_socket(AF_SP_RAW, NN_PAIR);
    join_inproc(a, b, "cmsg");
    const std::vector<unsigned char> header = {0x80, 0, 0, 9};
    REQUIRE(send_with_header(b, "x", header) == 1);
    alignas(std::max_align_t) unsigned char control[128];
    std::memset(control, 0xAA, sizeof control);
    char buf[4];
    nn_iovec iov{buf, sizeof buf};
    nn_msghdr hdr = header_of(&iov, 1);
    hdr.msg_control = control;
    hdr.msg_controllen = sizeof control;
    REQUIRE(nn_recvmsg(a, &hdr, 0) == 1);
    std::vector<unsigned char> got;
    REQUIRE(sp_header_of(hdr, got));
    CHECK(got == header);
    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
}

TEST_CASE("a control buffer too small for the SP header is left untouched") {
    const int a = make_socket(AF_SP_RAW, NN_PAIR);
    const int b = make_socket(AF_SP_RAW, NN_PAIR);
    join_inproc(a, b, "cmsg");
    const std::vector<unsigned char> header = {0x80, 0, 0, 9};
    REQUIRE(send_with_header(b, "x", header) == 1);
    const std::size_t needed = NN_CMSG_SPACE(sizeof(std::size_t) + header.size());
    alignas(std::max_align_t) unsigned char control[128];
    std::memset(control, 0xAA, sizeof control);
    char buf[4];
    nn_iovec iov{buf, sizeof buf};
    nn_msghdr hdr = header_of(&iov, 1);
    hdr.msg_control = control;
    hdr.msg_controllen = needed - 1;
    CHECK(nn_recvmsg(a, &hdr, 0) == 1);  // the message itself is received
    CHECK(buf[0] == 'x');
    bool untouched = true;
    for (unsigned char c : control) untouched = untouched && c == 0xAA;
    CHECK(untouched);
    CHECK(nn_close(a) == 0);
    CHECK(nn_close(b) == 0);
}
