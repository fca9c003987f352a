// Tests of src/protocols/bus/bus.cpp and xbus.cpp: every message to every
// peer, fair-queued receive, and raw BUS's local-only origin header that
// keeps a message from being echoed to the pipe it came from. The test plays
// the socket: it adds and removes pipes and calls writable()/readable() when
// a test_pipe says so.
#include "protocols/bus/bus.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocols/bus/xbus.hpp"
#include "protocols/test_pipe.hpp"

using nanoport::aio::message;
using nanoport::protocols::bus;
using nanoport::protocols::xbus;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;
using texts = std::vector<std::string>;

namespace {

void send_text(nanoport::protocols::protocol& proto, const std::string& text) {
    CHECK(proto.can_send());
    message m = text_message(text);
    REQUIRE_FALSE(proto.send(m));
}

// The peer behind p sends text; plays the socket's part.
void deliver(nanoport::protocols::protocol& proto, test_pipe& p, std::string_view text) {
    if (p.deliver(text)) proto.readable(p);
}

std::uint64_t origin_in(const message& m) {
    REQUIRE(m.header().size() == xbus::origin_header_size);
    std::uint64_t origin = 0;
    for (const std::byte b : m.header()) origin = (origin << 8) | std::to_integer<std::uint64_t>(b);
    return origin;
}

message with_origin(const std::string& text, std::uint64_t origin) {
    message m = text_message(text);
    std::array<std::byte, 8> header{};
    for (int i = 7; i >= 0; --i, origin >>= 8) header[i] = static_cast<std::byte>(origin & 0xff);
    m.set_header(header);
    return m;
}

}  // namespace

TEST_CASE("bus sends to every peer") {
    bus proto;
    test_pipe a("a"), b("b"), c("c");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    message m = text_message("all");
    const std::byte* body = m.body().data();
    REQUIRE_FALSE(proto.send(m));
    for (test_pipe* p : {&a, &b, &c}) {
        REQUIRE(p->sent.size() == 1);
        CHECK(p->sent.front().body().data() == body);
        CHECK(p->sent.front().header().empty());
    }
    CHECK(proto.delivered() == 3);
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}

TEST_CASE("bus never blocks and counts a drop for a full pipe") {
    xbus proto;
    test_pipe a("a"), full("full", 8, 8, 1);
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(full));
    send_text(proto, "1");
    send_text(proto, "2");
    CHECK(proto.can_send());
    CHECK(a.sent_texts() == texts{"1", "2"});
    CHECK(full.sent_texts() == texts{"1"});
    CHECK(proto.dropped(full) == 1);
    CHECK(proto.dropped() == 1);
    CHECK(proto.delivered() == 3);
    REQUIRE(full.make_room());
    proto.writable(full);
    send_text(proto, "3");
    CHECK(full.sent_texts() == texts{"3"});
    proto.remove(a);
    proto.remove(full);
}

TEST_CASE("bus fair-queues what its peers send") {
    bus proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    CHECK_FALSE(proto.can_receive());
    for (auto text : {"a1", "a2"}) deliver(proto, a, text);
    deliver(proto, b, "b1");
    texts got;
    message m;
    while (proto.can_receive()) {
        REQUIRE_FALSE(proto.receive(m));
        CHECK(m.header().empty());  // cooked: no origin header
        got.push_back(text_of(m));
    }
    CHECK(got == texts{"a1", "b1", "a2"});
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("raw bus marks each received message with its origin pipe") {
    xbus proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    CHECK(proto.origin_of(a) != 0);
    CHECK(proto.origin_of(a) != proto.origin_of(b));
    deliver(proto, a, "from a");
    deliver(proto, b, "from b");
    message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(text_of(m) == "from a");
    CHECK(origin_in(m) == proto.origin_of(a));
    REQUIRE_FALSE(proto.receive(m));
    CHECK(text_of(m) == "from b");
    CHECK(origin_in(m) == proto.origin_of(b));
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("raw bus does not echo to the origin pipe") {
    // What an nn_device looping a raw BUS socket onto itself does: receive,
    // send the message back with its control header.
    xbus proto;
    test_pipe a("a"), b("b"), c("c");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    deliver(proto, b, "relay me");
    message m;
    REQUIRE_FALSE(proto.receive(m));
    REQUIRE_FALSE(proto.send(m));
    CHECK(a.sent_texts() == texts{"relay me"});
    CHECK(b.sent.empty());
    CHECK(c.sent_texts() == texts{"relay me"});
    // The header is local: it never reaches a pipe.
    CHECK(a.sent.front().header().empty());
    CHECK(c.sent.front().header().empty());
    // Without a header, raw bus sends to everyone.
    send_text(proto, "plain");
    CHECK(b.sent_texts() == texts{"plain"});
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}

TEST_CASE("a stale origin id (pipe gone) is harmless") {
    xbus proto;
    test_pipe a("a");
    std::optional<test_pipe> gone;
    gone.emplace("gone");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(*gone));
    const std::uint64_t stale = proto.origin_of(*gone);
    proto.remove(*gone);
    // A new pipe at the very same address gets a new id: the stale one must
    // not exclude it.
    gone.reset();
    gone.emplace("new");
    REQUIRE_FALSE(proto.add(*gone));
    CHECK(proto.origin_of(*gone) != stale);
    message m = with_origin("late reply", stale);
    REQUIRE_FALSE(proto.send(m));
    CHECK(a.sent_texts() == texts{"late reply"});
    CHECK(gone->sent_texts() == texts{"late reply"});
    // An id made by another BUS socket names none of our pipes either.
    xbus other;
    test_pipe elsewhere("elsewhere");
    REQUIRE_FALSE(other.add(elsewhere));
    message foreign = with_origin("foreign", other.origin_of(elsewhere));
    REQUIRE_FALSE(proto.send(foreign));
    CHECK(a.sent_texts() == texts{"late reply", "foreign"});
    CHECK(gone->sent_texts() == texts{"late reply", "foreign"});
    other.remove(elsewhere);
    proto.remove(a);
    proto.remove(*gone);
}

TEST_CASE("raw bus refuses a header of another size with EINVAL") {
    xbus proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    message m = text_message("x");
    const std::array<std::byte, 4> short_header{};
    m.set_header(short_header);
    CHECK(proto.send(m) == std::errc::invalid_argument);
    CHECK(text_of(m) == "x");  // left with the caller
    CHECK(a.sent.empty());
    proto.remove(a);
}

TEST_CASE("cooked bus ignores a header the user attaches and sends to all") {
    bus proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    message m = with_origin("x", proto.origin_of(a));
    REQUIRE_FALSE(proto.send(m));
    CHECK(a.sent_texts() == texts{"x"});
    CHECK(b.sent_texts() == texts{"x"});
    CHECK(a.sent.front().header().empty());
    message odd = text_message("y");
    const std::array<std::byte, 3> odd_header{};
    odd.set_header(odd_header);
    REQUIRE_FALSE(proto.send(odd));
    CHECK(b.sent_texts() == texts{"x", "y"});
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("bus talks to bus only") {
    bus proto;
    CHECK(proto.id() == 112);
    CHECK(proto.accepts_peer(112));
    CHECK_FALSE(proto.accepts_peer(32));
}
