#include "core/options.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "nanomsg/inproc.h"
#include "nanomsg/ipc.h"
#include "nanomsg/nn.h"
#include "nanomsg/tcp.h"
#include "nanomsg/ws.h"

using namespace nanoport;

namespace {

std::error_code set(core::options& o, int level, int option, int value) {
    return core::set_option(
        o, level, option,
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(&value), sizeof value));
}

int get(const core::options& o, int level, int option) {
    int v = -12345;
    std::size_t size = sizeof v;
    REQUIRE_FALSE(core::get_option(
        o, level, option, std::span<std::byte>(reinterpret_cast<std::byte*>(&v), sizeof v), size));
    CHECK(size == sizeof(int));
    return v;
}

const std::error_code invalid = std::make_error_code(std::errc::invalid_argument);
const std::error_code unknown = std::make_error_code(std::errc::no_protocol_option);

}  // namespace

TEST_CASE("option defaults are nanomsg's") {
    core::options o;
    CHECK(get(o, NN_SOL_SOCKET, NN_SNDBUF) == 128 * 1024);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVBUF) == 128 * 1024);
    CHECK(get(o, NN_SOL_SOCKET, NN_SNDTIMEO) == -1);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVTIMEO) == -1);
    CHECK(get(o, NN_SOL_SOCKET, NN_RECONNECT_IVL) == 100);
    CHECK(get(o, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX) == 0);
    CHECK(get(o, NN_SOL_SOCKET, NN_SNDPRIO) == 8);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVPRIO) == 8);
    CHECK(get(o, NN_SOL_SOCKET, NN_IPV4ONLY) == 1);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVMAXSIZE) == 1024 * 1024);
    CHECK(get(o, NN_SOL_SOCKET, NN_MAXTTL) == 8);
    CHECK(get(o, NN_SOL_SOCKET, NN_LINGER) == 1000);
    CHECK(get(o, NN_TCP, NN_TCP_NODELAY) == 0);
    CHECK(get(o, NN_WS, NN_WS_MSG_TYPE) == NN_WS_MSG_TYPE_BINARY);
    CHECK(get(o, NN_IPC, NN_IPC_OUTBUFSZ) == 4096);
}

TEST_CASE("int options round-trip") {
    core::options o;
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_SNDBUF, 1));
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_RCVTIMEO, 250));
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_LINGER, -5));
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1));
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_RCVPRIO, 16));
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_IPV4ONLY, 0));
    CHECK_FALSE(set(o, NN_SOL_SOCKET, NN_MAXTTL, 255));
    CHECK_FALSE(set(o, NN_TCP, NN_TCP_NODELAY, 1));
    CHECK(get(o, NN_SOL_SOCKET, NN_SNDBUF) == 1);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVTIMEO) == 250);
    CHECK(get(o, NN_SOL_SOCKET, NN_LINGER) == -5);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVMAXSIZE) == -1);
    CHECK(get(o, NN_SOL_SOCKET, NN_RCVPRIO) == 16);
    CHECK(get(o, NN_SOL_SOCKET, NN_IPV4ONLY) == 0);
    CHECK(get(o, NN_SOL_SOCKET, NN_MAXTTL) == 255);
    CHECK(get(o, NN_TCP, NN_TCP_NODELAY) == 1);
    const transport::pipe_options p = o.pipe_view();
    CHECK(p.send_buffer == 1u);
    CHECK(p.receive_max_size == -1);
    CHECK(p.receive_priority == 16);
    CHECK_FALSE(p.ipv4_only);
    CHECK(p.tcp_nodelay);
}

TEST_CASE("out of range values are EINVAL and change nothing") {
    core::options o;
    CHECK(set(o, NN_SOL_SOCKET, NN_SNDBUF, 0) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_RCVBUF, -1) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_RCVMAXSIZE, -2) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_RECONNECT_IVL, -1) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, -1) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_SNDPRIO, 0) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_RCVPRIO, 17) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_IPV4ONLY, 2) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_MAXTTL, 0) == invalid);
    CHECK(set(o, NN_SOL_SOCKET, NN_MAXTTL, 256) == invalid);
    CHECK(set(o, NN_TCP, NN_TCP_NODELAY, 2) == invalid);
    CHECK(set(o, NN_WS, NN_WS_MSG_TYPE, 3) == invalid);
    CHECK(get(o, NN_SOL_SOCKET, NN_SNDBUF) == 128 * 1024);
    CHECK(get(o, NN_SOL_SOCKET, NN_MAXTTL) == 8);
}

TEST_CASE("an int option of the wrong size is EINVAL, even an unknown one") {
    core::options o;
    const long long wide = 5;
    const auto bytes =
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(&wide), sizeof wide);
    CHECK(core::set_option(o, NN_SOL_SOCKET, NN_SNDBUF, bytes) == invalid);
    CHECK(core::set_option(o, NN_SOL_SOCKET, 99, bytes) == invalid);
    CHECK(core::set_option(o, NN_TCP, 7, bytes) == invalid);
    CHECK(core::set_option(o, NN_SOL_SOCKET, NN_SNDBUF, bytes.first(2)) == invalid);
}

TEST_CASE("unknown options and levels are ENOPROTOOPT") {
    core::options o;
    CHECK(set(o, NN_SOL_SOCKET, 99, 1) == unknown);
    CHECK(set(o, NN_TCP, 7, 1) == unknown);
    CHECK(set(o, NN_INPROC, 1, 1) == unknown);
    CHECK(set(o, -9, 1, 1) == unknown);
    int v;
    std::size_t size = sizeof v;
    auto out = std::span<std::byte>(reinterpret_cast<std::byte*>(&v), sizeof v);
    CHECK(core::get_option(o, NN_SOL_SOCKET, 99, out, size) == unknown);
    CHECK(core::get_option(o, NN_INPROC, 1, out, size) == unknown);
    CHECK(core::get_option(o, NN_TCP, 5, out, size) == unknown);
}

TEST_CASE("an int reads into a short buffer truncated, with the full size reported") {
    core::options o;
    REQUIRE_FALSE(set(o, NN_SOL_SOCKET, NN_SNDBUF, 0x01020304));
    unsigned char two[2] = {0, 0};
    std::size_t size = sizeof two;
    REQUIRE_FALSE(core::get_option(o, NN_SOL_SOCKET, NN_SNDBUF,
                                   std::span<std::byte>(reinterpret_cast<std::byte*>(two), 2),
                                   size));
    CHECK(size == sizeof(int));
    int expected = 0x01020304;
    CHECK(std::memcmp(two, &expected, 2) == 0);
}

TEST_CASE("the socket name reads like strncpy and is at most 63 bytes") {
    core::options o;
    const std::string name = "abc";
    REQUIRE_FALSE(core::set_option(o, NN_SOL_SOCKET, NN_SOCKET_NAME,
                                   std::as_bytes(std::span<const char>(name.data(), name.size()))));
    char buf[8];
    std::memset(buf, 'x', sizeof buf);
    std::size_t size = sizeof buf;
    REQUIRE_FALSE(core::get_option(o, NN_SOL_SOCKET, NN_SOCKET_NAME,
                                   std::as_writable_bytes(std::span<char>(buf, sizeof buf)), size));
    CHECK(size == 3);
    CHECK(std::string(buf) == "abc");  // the rest was zero-filled
    char two[2];
    size = sizeof two;
    REQUIRE_FALSE(core::get_option(o, NN_SOL_SOCKET, NN_SOCKET_NAME,
                                   std::as_writable_bytes(std::span<char>(two, 2)), size));
    CHECK(size == 3);
    CHECK(two[0] == 'a');
    CHECK(two[1] == 'b');

    const std::string too_long(64, 'n');
    CHECK(core::set_option(
              o, NN_SOL_SOCKET, NN_SOCKET_NAME,
              std::as_bytes(std::span<const char>(too_long.data(), too_long.size()))) == invalid);
    CHECK(o.name == "abc");
}
