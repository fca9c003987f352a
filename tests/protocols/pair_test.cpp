// Tests of src/protocols/pair/pair.cpp and xpair.cpp: one peer at a time.
// The test plays the socket.
#include "protocols/pair/pair.hpp"

#include <doctest/doctest.h>

#include "protocols/pair/xpair.hpp"
#include "protocols/test_pipe.hpp"

using nanoport::aio::message;
using nanoport::protocols::pair;
using nanoport::protocols::xpair;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;

TEST_CASE("pair sends and receives through its one pipe") {
    pair proto;
    test_pipe p("p");
    CHECK_FALSE(proto.can_send());
    CHECK_FALSE(proto.can_receive());
    REQUIRE_FALSE(proto.add(p));
    CHECK(proto.can_send());
    CHECK_FALSE(proto.can_receive());
    message m = text_message("ping");
    REQUIRE_FALSE(proto.send(m));
    REQUIRE(p.sent.size() == 1);
    CHECK(text_of(p.sent.front()) == "ping");
    if (p.deliver("pong")) proto.readable(p);
    CHECK(proto.can_receive());
    REQUIRE_FALSE(proto.receive(m));
    CHECK(text_of(m) == "pong");
    CHECK_FALSE(proto.can_receive());
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    proto.remove(p);
    CHECK_FALSE(proto.can_send());
}

TEST_CASE("pair refuses a second peer with EISCONN (already_connected)") {
    pair proto;
    test_pipe first("first"), second("second");
    REQUIRE_FALSE(proto.add(first));
    CHECK(proto.add(second) == std::errc::already_connected);
    CHECK(second.attachment == nullptr);
    // Late events about the refused pipe change nothing.
    if (second.deliver("from the refused peer")) proto.readable(second);
    proto.writable(second);
    proto.remove(second);
    CHECK_FALSE(proto.can_receive());
    message m = text_message("to first");
    REQUIRE_FALSE(proto.send(m));
    CHECK(first.sent.size() == 1);
    CHECK(second.sent.empty());
    proto.remove(first);
}

TEST_CASE("pair takes a new peer after the first is removed") {
    pair proto;
    test_pipe first("first"), second("second");
    REQUIRE_FALSE(proto.add(first));
    if (first.deliver("unread")) proto.readable(first);
    proto.remove(first);
    CHECK_FALSE(proto.can_receive());
    CHECK_FALSE(proto.can_send());
    REQUIRE_FALSE(proto.add(second));
    CHECK(proto.can_send());
    CHECK_FALSE(proto.can_receive());
    message m = text_message("hello again");
    REQUIRE_FALSE(proto.send(m));
    CHECK(second.sent.size() == 1);
    proto.remove(second);
}

TEST_CASE("pair with a full pipe returns EAGAIN until it is writable again") {
    pair proto;
    test_pipe p("p", 8, 8, 1);
    REQUIRE_FALSE(proto.add(p));
    message m = text_message("1");
    REQUIRE_FALSE(proto.send(m));
    CHECK_FALSE(proto.can_send());
    m = text_message("2");
    CHECK(proto.send(m) == std::errc::resource_unavailable_try_again);
    CHECK(text_of(m) == "2");
    REQUIRE(p.make_room());
    proto.writable(p);
    CHECK(proto.can_send());
    REQUIRE_FALSE(proto.send(m));
    CHECK(p.sent_texts() == std::vector<std::string>{"2"});
    proto.remove(p);
}

TEST_CASE("pair talks to pair v0 only") {
    pair proto;
    CHECK(proto.id() == 16);
    CHECK(proto.accepts_peer(16));
    CHECK_FALSE(proto.accepts_peer(17));  // NNG's pair v1
    CHECK_FALSE(proto.accepts_peer(80));
}

TEST_CASE("raw pair passes the header through; cooked pair drops it") {
    xpair raw;
    pair cooked;
    test_pipe raw_pipe("raw"), cooked_pipe("cooked");
    REQUIRE_FALSE(raw.add(raw_pipe));
    REQUIRE_FALSE(cooked.add(cooked_pipe));
    message m = text_message("body");
    m.push_header_word(0x80000002u);
    message m2 = m;
    REQUIRE_FALSE(raw.send(m));
    REQUIRE_FALSE(cooked.send(m2));
    CHECK(raw_pipe.sent.front().header().size() == 4);
    CHECK(cooked_pipe.sent.front().header().empty());
    raw_pipe.inbox.push_back(raw_pipe.sent.front());
    cooked_pipe.inbox.push_back(raw_pipe.sent.front());
    raw.readable(raw_pipe);
    cooked.readable(cooked_pipe);
    message got;
    REQUIRE_FALSE(raw.receive(got));
    CHECK(got.header().size() == 4);
    REQUIRE_FALSE(cooked.receive(got));
    CHECK(got.header().empty());
    CHECK(text_of(got) == "body");
    raw.remove(raw_pipe);
    cooked.remove(cooked_pipe);
}
