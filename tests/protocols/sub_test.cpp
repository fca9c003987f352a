// Tests of src/protocols/pubsub/sub.cpp and xsub.cpp: prefix filtering with
// counted subscriptions, fair queueing, the write-only options. The test
// plays the socket: it adds and removes pipes and calls readable() when a
// test_pipe says so.
#include "protocols/pubsub/sub.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "nanomsg/pubsub.h"
#include "protocols/pubsub/xsub.hpp"
#include "protocols/test_pipe.hpp"

using nanoport::aio::message;
using nanoport::protocols::sub;
using nanoport::protocols::xsub;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;
using texts = std::vector<std::string>;

namespace {

std::span<const std::byte> bytes(std::string_view text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

void subscribe(nanoport::protocols::protocol& proto, std::string_view prefix) {
    REQUIRE_FALSE(proto.set_option(NN_SUB, NN_SUB_SUBSCRIBE, bytes(prefix)));
}

void unsubscribe(nanoport::protocols::protocol& proto, std::string_view prefix) {
    REQUIRE_FALSE(proto.set_option(NN_SUB, NN_SUB_UNSUBSCRIBE, bytes(prefix)));
}

// The peer behind p sends text; plays the socket's part.
void deliver(nanoport::protocols::protocol& proto, test_pipe& p, std::string_view text) {
    if (p.deliver(text)) proto.readable(p);
}

// Receives until EAGAIN. A receive may fail although can_receive() said yes
// (everything queued was filtered out); never the other way round, and after
// EAGAIN can_receive() is false.
texts receive_all(nanoport::protocols::protocol& proto) {
    texts got;
    for (;;) {
        const bool announced = proto.can_receive();
        message m;
        const auto ec = proto.receive(m);
        if (ec) {
            CHECK(ec == std::errc::resource_unavailable_try_again);
            CHECK_FALSE(proto.can_receive());
            CHECK(m.size() == 0);
            return got;
        }
        CHECK(announced);
        got.push_back(text_of(m));
    }
}

}  // namespace

TEST_CASE("sub's option numbers are nanomsg's") {
    CHECK(xsub::option_level == NN_SUB);
    CHECK(xsub::option_subscribe == NN_SUB_SUBSCRIBE);
    CHECK(xsub::option_unsubscribe == NN_SUB_UNSUBSCRIBE);
    CHECK(xsub::sp_id == NN_SUB);
}

TEST_CASE("sub with no subscription receives nothing") {
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    deliver(proto, p, "a");
    deliver(proto, p, "");
    deliver(proto, p, "b");
    CHECK(receive_all(proto).empty());
    CHECK(p.inbox.empty());  // read and discarded, not left to fill the pipe
    CHECK(proto.filtered() == 3);
    proto.remove(p);
}

TEST_CASE("sub receives only messages matching a prefix") {
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    subscribe(proto, "news.");
    subscribe(proto, "sport");
    for (auto text : {"news.world", "weather", "sport", "spor", "news", "news.", "sports"}) {
        deliver(proto, p, text);
    }
    CHECK(receive_all(proto) == texts{"news.world", "sport", "news.", "sports"});
    CHECK(proto.filtered() == 3);
    proto.remove(p);
}

TEST_CASE("an empty subscription matches everything") {
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    subscribe(proto, "");
    for (auto text : {"a", "", "anything at all"}) deliver(proto, p, text);
    CHECK(receive_all(proto) == texts{"a", "", "anything at all"});
    proto.remove(p);
}

TEST_CASE("unsubscribe stops matching; a prefix subscribed twice needs two unsubscribes") {
    // nanomsg 1.1.5 counts subscriptions in its trie: checked against
    // libnanomsg, where after two subscribes and one unsubscribe the prefix
    // still matches, and an unsubscribe of a prefix that is not subscribed
    // returns 0.
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    subscribe(proto, "ab");
    subscribe(proto, "ab");
    unsubscribe(proto, "ab");
    deliver(proto, p, "abc");
    CHECK(receive_all(proto) == texts{"abc"});
    unsubscribe(proto, "ab");
    deliver(proto, p, "abc");
    CHECK(receive_all(proto).empty());
    unsubscribe(proto, "ab");     // not subscribed any more: harmless
    unsubscribe(proto, "never");  // never subscribed: harmless
    CHECK(proto.subscriptions().empty());
    proto.remove(p);
}

TEST_CASE("ten thousand subscriptions still match fast") {
    // "Fast" is pinned in trie_test by counting the nodes a match visits;
    // here the results are checked with that many subscriptions in place.
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    char name[32];
    for (int i = 0; i < 10000; ++i) {
        std::snprintf(name, sizeof name, "sensor/%04d/", i * 3);  // multiples of 3 only
        subscribe(proto, name);
    }
    texts expected;
    for (int i = 0; i < 3000; ++i) {
        std::snprintf(name, sizeof name, "sensor/%04d/reading", i);
        deliver(proto, p, name);
        if (i % 3 == 0) expected.push_back(name);
    }
    CHECK(receive_all(proto) == expected);
    CHECK(proto.filtered() == 2000);
    proto.remove(p);
}

TEST_CASE("getsockopt of subscribe is ENOPROTOOPT") {
    sub proto;
    subscribe(proto, "x");
    std::array<std::byte, 16> value{};
    std::size_t size = value.size();
    CHECK(proto.get_option(NN_SUB, NN_SUB_SUBSCRIBE, value, size) == std::errc::no_protocol_option);
    size = value.size();
    CHECK(proto.get_option(NN_SUB, NN_SUB_UNSUBSCRIBE, value, size) ==
          std::errc::no_protocol_option);
    xsub raw;
    size = value.size();
    CHECK(raw.get_option(NN_SUB, NN_SUB_SUBSCRIBE, value, size) == std::errc::no_protocol_option);
}

TEST_CASE("sub refuses unknown options and other levels with ENOPROTOOPT") {
    sub proto;
    CHECK(proto.set_option(NN_SUB, 3, bytes("x")) == std::errc::no_protocol_option);
    CHECK(proto.set_option(NN_SUB + 1, NN_SUB_SUBSCRIBE, bytes("x")) ==
          std::errc::no_protocol_option);
    CHECK(proto.subscriptions().empty());
}

TEST_CASE("sub cannot send") {
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    CHECK_FALSE(proto.can_send());
    message m = text_message("x");
    CHECK(proto.send(m) == std::errc::operation_not_supported);
    CHECK(p.sent.empty());
    proto.remove(p);
}

TEST_CASE("sub fair-queues the matching messages of its pipes") {
    sub proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    subscribe(proto, "k");
    for (auto text : {"k1", "x", "k2"}) deliver(proto, a, text);
    for (auto text : {"y", "k3", "k4"}) deliver(proto, b, text);
    CHECK(receive_all(proto) == texts{"k1", "k3", "k2", "k4"});
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("subscriptions are bytes: zeros and high bytes match exactly") {
    sub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    const std::string topic("\0\xff", 2);
    subscribe(proto, topic);
    deliver(proto, p, topic + "!");
    deliver(proto, p, std::string("\0\xfe!", 3));
    CHECK(receive_all(proto) == texts{topic + "!"});
    proto.remove(p);
}

TEST_CASE("raw sub filters like sub and keeps the header; cooked sub shows none") {
    const std::array<std::byte, 4> header{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    xsub raw;
    sub cooked;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(raw.add(a));
    REQUIRE_FALSE(cooked.add(b));
    REQUIRE_FALSE(raw.set_option(NN_SUB, NN_SUB_SUBSCRIBE, bytes("t")));
    REQUIRE_FALSE(cooked.set_option(NN_SUB, NN_SUB_SUBSCRIBE, bytes("t")));
    for (auto text : {"x", "t1"}) {
        message m = text_message(text);
        m.set_header(header);
        a.inbox.push_back(m);
        b.inbox.push_back(m);
    }
    raw.readable(a);
    cooked.readable(b);
    message got;
    REQUIRE_FALSE(raw.receive(got));
    CHECK(text_of(got) == "t1");
    CHECK(got.header().size() == header.size());
    REQUIRE_FALSE(cooked.receive(got));
    CHECK(text_of(got) == "t1");
    CHECK(got.header().empty());
    CHECK(raw.receive(got) == std::errc::resource_unavailable_try_again);
    CHECK(cooked.receive(got) == std::errc::resource_unavailable_try_again);
    raw.remove(a);
    cooked.remove(b);
}

TEST_CASE("sub talks to pub only") {
    sub proto;
    CHECK(proto.id() == 33);
    CHECK(proto.accepts_peer(32));
    CHECK_FALSE(proto.accepts_peer(33));
}
