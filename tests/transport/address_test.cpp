#include "transport/address.hpp"

#include <doctest/doctest.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <ostream> // doctest prints std::error_code through operator<<
#include <string>
#include <vector>

namespace {

using namespace nanoport::transport;

const std::error_code ok{};
const std::error_code invalid = std::make_error_code(std::errc::invalid_argument);
const std::error_code too_long = std::make_error_code(std::errc::filename_too_long);
const std::error_code unsupported = std::make_error_code(std::errc::protocol_not_supported);
const std::error_code no_device = std::make_error_code(std::errc::no_such_device);

std::error_code connect_error(std::string_view url)
{
    address a;
    return parse_address(url, false, a);
}

std::error_code bind_error(std::string_view url)
{
    address a;
    return parse_address(url, true, a);
}

address parsed(std::string_view url, bool for_bind)
{
    address a;
    const auto ec = parse_address(url, for_bind, a);
    INFO("url: " << url << ", error: " << ec.message());
    CHECK(ec == ok);
    return a;
}

ip_address v4(int a, int b, int c, int d)
{
    ip_address r;
    r.family = ip_family::v4;
    r.bytes[0] = static_cast<std::byte>(a);
    r.bytes[1] = static_cast<std::byte>(b);
    r.bytes[2] = static_cast<std::byte>(c);
    r.bytes[3] = static_cast<std::byte>(d);
    return r;
}

ip_address v6_loopback()
{
    ip_address r;
    r.family = ip_family::v6;
    r.bytes[15] = std::byte{1};
    return r;
}

// An interface of this machine that has an IPv4 address, with that address.
std::optional<std::pair<std::string, ip_address>> some_ipv4_interface()
{
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return std::nullopt;
    std::optional<std::pair<std::string, ip_address>> found;
    for (const ifaddrs* it = list; it != nullptr && !found; it = it->ifa_next) {
        if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET)
            continue;
        sockaddr_in sin{};
        std::memcpy(&sin, it->ifa_addr, sizeof(sin));
        ip_address a;
        std::memcpy(a.bytes.data(), &sin.sin_addr, 4);
        found.emplace(it->ifa_name, a);
    }
    freeifaddrs(list);
    return found;
}

} // namespace

TEST_CASE("a tcp connect address gives host and port")
{
    const auto a = parsed("tcp://example.com:5555", false);
    CHECK(a.kind == scheme::tcp);
    CHECK(a.host == "example.com");
    CHECK(a.port == 5555);
    CHECK(a.local_interface.empty());
    CHECK(a.path.empty());
    CHECK(a.raw == "tcp://example.com:5555");

    CHECK(parsed("tcp://127.0.0.1:1", false).host == "127.0.0.1");
    CHECK(parsed("tcp://localhost:65535", false).port == 65535);
    CHECK(parsed("tcp://a-b.c-d.e9:80", false).host == "a-b.c-d.e9");
}

TEST_CASE("a tcp connect address may name a local interface before a semicolon")
{
    const auto a = parsed("tcp://eth0;192.168.1.2:5555", false);
    CHECK(a.local_interface == "eth0");
    CHECK(a.host == "192.168.1.2");
    CHECK(a.port == 5555);

    CHECK(parsed("tcp://127.0.0.1;localhost:80", false).local_interface == "127.0.0.1");
    const auto b = parsed("tcp://[::1];[::1]:80", false);
    CHECK(b.local_interface == "::1");
    CHECK(b.host == "::1");
}

TEST_CASE("a tcp bind address names the local interface and the port")
{
    const auto all = parsed("tcp://*:5555", true);
    CHECK(all.local_interface == "*");
    CHECK(all.host.empty());
    CHECK(all.port == 5555);

    CHECK(parsed("tcp://127.0.0.1:5555", true).local_interface == "127.0.0.1");
    CHECK(parsed("tcp://eth0:5555", true).local_interface == "eth0");
    CHECK(parsed("tcp://[::1]:5555", true).local_interface == "::1");
    // An alias name with a colon: the port is after the last one, as in nanomsg.
    CHECK(parsed("tcp://eth0:1:5555", true).local_interface == "eth0:1");
    // Names are judged by resolve_interface (ENODEV), not by the parser.
    CHECK(parsed("tcp://no-such-nic:5555", true).local_interface == "no-such-nic");
}

TEST_CASE("ipv6 literals are accepted with brackets and, as in nanomsg, without")
{
    const auto a = parsed("tcp://[::1]:5555", false);
    CHECK(a.host == "::1");
    CHECK(a.port == 5555);
    CHECK(parsed("tcp://[fe80::1:2]:7", false).host == "fe80::1:2");
    CHECK(parsed("tcp://[::ffff:1.2.3.4]:7", false).host == "::ffff:1.2.3.4");
    const auto b = parsed("tcp://::1:5555", false);
    CHECK(b.host == "::1");
    CHECK(b.port == 5555);
    // nanomsg strips brackets and then tries IPv4 too.
    CHECK(parsed("tcp://[127.0.0.1]:5555", false).host == "127.0.0.1");
}

TEST_CASE("broken brackets are invalid")
{
    for (const char* url : {"tcp://[::1", "tcp://[::1:5555", "tcp://[::1]5555", "tcp://[::1]:", "tcp://[]:5555",
                            "tcp://[zz]:5555", "tcp://[::1]]:5555", "tcp://[[::1]:5555", "tcp://[eth0]:5555",
                            "tcp://[::1%lo]:5555", "tcp://]:5555"}) {
        CAPTURE(url);
        CHECK(connect_error(url) == invalid);
        CHECK(bind_error(url) == invalid);
    }
}

TEST_CASE("ports must be 1 to 65535, leading zeros allowed")
{
    CHECK(parsed("tcp://h:00080", false).port == 80);
    CHECK(parsed("tcp://h:1", true).port == 1);
    for (const bool bind : {false, true}) {
        CAPTURE(bind);
        for (const char* url : {"tcp://h:0", "tcp://h:00000", "tcp://h:65536", "tcp://h:99999",
                                "tcp://h:4294967297", "tcp://h:", "tcp://h", "tcp://h:-1", "tcp://h:+1",
                                "tcp://h:0x50", "tcp://h:80 ", "tcp://h: 80", "tcp://h:８０", "tcp://h:80/"}) {
            CAPTURE(url);
            address a;
            CHECK(parse_address(url, bind, a) == invalid);
        }
    }
}

TEST_CASE("remote host names follow nanomsg's rules")
{
    const std::string label63(63, 'a');
    CHECK(connect_error("tcp://" + label63 + ".b:1") == ok);
    CHECK(connect_error("tcp://" + label63 + "a.b:1") == invalid);
    for (const char* url : {"tcp://-host:1", "tcp://ho_st:1", "tcp://a..b:1", "tcp://.a:1", "tcp://a.:1",
                            "tcp://ho st:1", "tcp://h\tst:1", "tcp://h\xc3\xa9:1", "tcp://h/x:1", "tcp://h;:1",
                            "tcp://a;b;c:1", "tcp://h@x:1", "tcp://1.2.3:4:5"}) {
        CAPTURE(url);
        CHECK(connect_error(url) == invalid);
    }
    // Digits and dots pass as a name; DNS judges it later, as in nanomsg.
    CHECK(connect_error("tcp://256.1.1.1:1") == ok);
    CHECK(connect_error("tcp://host-:1") == ok);
}

TEST_CASE("empty hosts and interfaces are invalid")
{
    for (const char* url : {"tcp://", "tcp://:", "tcp://:5555", "tcp://;host:5555", "tcp://;:5555",
                            "ws://:80/", "tls+tcp://:1"}) {
        CAPTURE(url);
        CHECK(connect_error(url) == invalid);
        CHECK(bind_error(url) == invalid);
    }
    CHECK(connect_error("tcp://eth0;:5555") == invalid);
}

TEST_CASE("interfaces with spaces or control bytes are invalid")
{
    CHECK(bind_error("tcp://eth 0:5555") == invalid);
    CHECK(bind_error("tcp://eth\x01:5555") == invalid);
    CHECK(connect_error("tcp://eth 0;host:5555") == invalid);
    CHECK(bind_error("tcp://eth0;host:5555") == invalid);
    CHECK(bind_error("tcp://eth]:5555") == invalid);
}

TEST_CASE("an ipc address keeps its path as given")
{
    const auto a = parsed("ipc:///tmp/test.ipc", true);
    CHECK(a.kind == scheme::ipc);
    CHECK(a.path == "/tmp/test.ipc");
    CHECK(a.host.empty());
    CHECK(a.port == 0);
    CHECK(parsed("ipc://relative/path with space", false).path == "relative/path with space");
    CHECK(parsed("ipc://@name", false).path == "@name");
}

TEST_CASE("an empty ipc path is invalid")
{
    CHECK(connect_error("ipc://") == invalid);
    CHECK(bind_error("ipc://") == invalid);
}

TEST_CASE("an ipc path that does not fit sun_path is too long")
{
    // sun_path is 108 bytes on Linux, 104 on the BSDs and macOS; the NUL must fit too.
    CHECK(connect_error("ipc://" + std::string(100, 'p')) == ok);
    CHECK(connect_error("ipc://" + std::string(108, 'p')) == too_long);
    CHECK(bind_error("ipc://" + std::string(121, 'p')) == too_long);
}

TEST_CASE("an inproc address takes any name, the empty one included")
{
    CHECK(parsed("inproc://a", false).path == "a");
    CHECK(parsed("inproc://x:y;z//[w]", true).path == "x:y;z//[w]");
    const auto empty = parsed("inproc://", false);
    CHECK(empty.kind == scheme::inproc);
    CHECK(empty.path.empty());
}

TEST_CASE("a ws address gives host, port and path with defaults")
{
    const auto a = parsed("ws://example.com:8080/chat/room?x=1", false);
    CHECK(a.kind == scheme::ws);
    CHECK(a.host == "example.com");
    CHECK(a.port == 8080);
    CHECK(a.path == "/chat/room?x=1");

    const auto b = parsed("ws://example.com", false);
    CHECK(b.port == 80);
    CHECK(b.path == "/");
    CHECK(parsed("ws://h/", false).path == "/");
    CHECK(parsed("ws://[::1]/p", false).host == "::1");

    const auto s = parsed("wss://example.com/p", false);
    CHECK(s.kind == scheme::wss);
    CHECK(s.port == 443);

    const auto bound = parsed("ws://*:5555/sp", true);
    CHECK(bound.local_interface == "*");
    CHECK(bound.port == 5555);
    CHECK(bound.path == "/sp");

    const auto via = parsed("ws://lo;h:1/p", false);
    CHECK(via.local_interface == "lo");
    CHECK(via.host == "h");
}

TEST_CASE("ws paths with spaces or control bytes are invalid")
{
    CHECK(connect_error("ws://h:80/a b") == invalid);
    CHECK(connect_error("ws://h:80/a\r\nHost: evil") == invalid);
    CHECK(connect_error("ws://h:80/\x7f") == invalid);
    CHECK(connect_error("ws://h:/p") == invalid);
    CHECK(connect_error("ws://h:0/p") == invalid);
}

TEST_CASE("a tls+tcp address is parsed like tcp")
{
    const auto a = parsed("tls+tcp://example.com:443", false);
    CHECK(a.kind == scheme::tls_tcp);
    CHECK(a.host == "example.com");
    CHECK(a.port == 443);
    CHECK(connect_error("tls+tcp://example.com") == invalid);
}

TEST_CASE("an unknown scheme is protocol_not_supported")
{
    for (const char* url : {"udp://h:1", "TCP://h:1", "Tcp://h:1", "://h:1", "tcp4://h:1", "tcp6://h:1",
                            "http://h/", "inproc2://x", " tcp://h:1", "tls://h:1", "abstract://x"}) {
        CAPTURE(url);
        CHECK(connect_error(url) == unsupported);
        CHECK(bind_error(url) == unsupported);
    }
}

TEST_CASE("an address without :// is invalid")
{
    for (const char* url : {"", "tcp", "tcp:", "tcp:/", "tcp:/h:1", "tcp:h:1", "inproc", "inproc:/x", "//h:1",
                            "tcp//h:1"}) {
        CAPTURE(url);
        CHECK(connect_error(url) == invalid);
        CHECK(bind_error(url) == invalid);
    }
}

TEST_CASE("an address of 128 bytes or more is filename_too_long")
{
    const std::string base = "inproc://";
    const std::string fits = base + std::string(max_address_length - base.size(), 'n');
    REQUIRE(fits.size() == 127);
    CHECK(connect_error(fits) == ok);
    CHECK(connect_error(fits + "n") == too_long);
    CHECK(bind_error(std::string(4096, 'x')) == too_long);
    CHECK(connect_error("tcp://" + std::string(200, 'a') + ":1") == too_long);
}

TEST_CASE("an address with an embedded NUL is invalid")
{
    using namespace std::string_view_literals;
    CHECK(connect_error("inproc://a\0b"sv) == invalid);
    CHECK(connect_error("tcp://h\0:1"sv) == invalid);
    CHECK(connect_error("tcp://h:1\0"sv) == invalid);
    CHECK(bind_error("\0tcp://*:1"sv) == invalid);
    CHECK(bind_error("ipc://\0"sv) == invalid);
}

TEST_CASE("a failed parse leaves the output untouched")
{
    address a;
    REQUIRE(parse_address("tcp://keep:1", false, a) == ok);
    for (const char* url : {"tcp://h:0", "udp://h:1", "", "ipc://"}) {
        CAPTURE(url);
        CHECK(parse_address(url, false, a));
        CHECK(a.host == "keep");
        CHECK(a.port == 1);
        CHECK(a.raw == "tcp://keep:1");
    }
}

TEST_CASE("scheme names are the text before ://")
{
    CHECK(scheme_name(scheme::tcp) == "tcp");
    CHECK(scheme_name(scheme::ipc) == "ipc");
    CHECK(scheme_name(scheme::inproc) == "inproc");
    CHECK(scheme_name(scheme::ws) == "ws");
    CHECK(scheme_name(scheme::wss) == "wss");
    CHECK(scheme_name(scheme::tls_tcp) == "tls+tcp");
}

TEST_CASE("ip literals parse to network-order bytes")
{
    ip_address a;
    REQUIRE(parse_ip_literal("10.1.2.3", false, a) == ok);
    CHECK(a == v4(10, 1, 2, 3));
    REQUIRE(parse_ip_literal("::1", false, a) == ok);
    CHECK(a == v6_loopback());
    REQUIRE(parse_ip_literal("[::1]", false, a) == ok);
    CHECK(a == v6_loopback());
    REQUIRE(parse_ip_literal("[10.1.2.3]", true, a) == ok);
    CHECK(a == v4(10, 1, 2, 3));

    for (const char* text : {"", "[]", "[", "]", "[::1", "::1]", "1.2.3", "1.2.3.4.5", "256.0.0.1", "0x7f.0.0.1",
                             "127.1", "host", "::g", " 1.2.3.4", "1.2.3.4 ", "fe80::1%lo",
                             "1111:2222:3333:4444:5555:6666:7777:8888:9999"}) {
        CAPTURE(text);
        CHECK(parse_ip_literal(text, false, a) == invalid);
    }
}

TEST_CASE("ipv4only refuses ipv6 literals")
{
    ip_address a;
    CHECK(parse_ip_literal("::1", true, a) == invalid);
    CHECK(parse_ip_literal("[::1]", true, a) == invalid);
    CHECK(parse_ip_literal("127.0.0.1", true, a) == ok);
}

TEST_CASE("the * interface is the wildcard address of the allowed family")
{
    ip_address a = v4(1, 2, 3, 4);
    REQUIRE(resolve_interface("*", true, a) == ok);
    CHECK(a == v4(0, 0, 0, 0));
    REQUIRE(resolve_interface("*", false, a) == ok);
    CHECK(a.family == ip_family::v6);
    CHECK(a.bytes == std::array<std::byte, 16>{});
}

TEST_CASE("a literal interface resolves to itself")
{
    ip_address a;
    REQUIRE(resolve_interface("127.0.0.1", true, a) == ok);
    CHECK(a == v4(127, 0, 0, 1));
    REQUIRE(resolve_interface("[::1]", false, a) == ok);
    CHECK(a == v6_loopback());
}

TEST_CASE("an interface name resolves to that interface's address")
{
    const auto nic = some_ipv4_interface();
    if (!nic) {
        MESSAGE("no interface with an IPv4 address here; skipped");
        return;
    }
    CAPTURE(nic->first);
    ip_address a;
    REQUIRE(resolve_interface(nic->first, true, a) == ok);
    CHECK(a.family == ip_family::v4);
    CHECK(a.bytes == nic->second.bytes);
}

TEST_CASE("an unknown interface name is no_such_device")
{
    ip_address a = v4(9, 9, 9, 9);
    CHECK(resolve_interface("no-such-interface0", false, a) == no_device);
    CHECK(resolve_interface("", false, a) == no_device);
    CHECK(resolve_interface("[bad", false, a) == no_device);
    // As in nanomsg: an IPv6 literal under ipv4only is then looked up as a name.
    CHECK(resolve_interface("::1", true, a) == no_device);
    CHECK(a == v4(9, 9, 9, 9));
}
