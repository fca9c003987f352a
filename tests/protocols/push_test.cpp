// Tests of src/protocols/pipeline/push.cpp and xpush.cpp: load balancing with
// priorities and back-pressure. The test plays the socket: it adds and
// removes pipes and calls writable()/readable() when a test_pipe says so.
#include "protocols/pipeline/push.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocols/pipeline/xpush.hpp"
#include "protocols/test_pipe.hpp"

using nanoport::aio::message;
using nanoport::protocols::push;
using nanoport::protocols::xpush;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;
using texts = std::vector<std::string>;

namespace {

// Sends each text; every send must succeed.
void send_all(nanoport::protocols::protocol& proto, const texts& bodies) {
    for (const auto& body : bodies) {
        message m = text_message(body);
        REQUIRE_FALSE(proto.send(m));
    }
}

}  // namespace

TEST_CASE("push sends to pipes in strict round robin") {
    push proto;
    test_pipe a("a"), b("b"), c("c");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    CHECK(proto.can_send());
    send_all(proto, {"1", "2", "3", "4", "5", "6", "7"});
    CHECK(a.sent_texts() == texts{"1", "4", "7"});
    CHECK(b.sent_texts() == texts{"2", "5"});
    CHECK(c.sent_texts() == texts{"3", "6"});
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}

TEST_CASE("push prefers the best priority and falls back when its pipes are full") {
    push proto;
    test_pipe best1("best1", 2, 8, 2), best2("best2", 2, 8, 2), fallback("fallback", 8);
    REQUIRE_FALSE(proto.add(fallback));
    REQUIRE_FALSE(proto.add(best1));
    REQUIRE_FALSE(proto.add(best2));
    send_all(proto, {"1", "2", "3", "4", "5", "6"});
    CHECK(best1.sent_texts() == texts{"1", "3"});
    CHECK(best2.sent_texts() == texts{"2", "4"});
    CHECK(fallback.sent_texts() == texts{"5", "6"});
    proto.remove(best1);
    proto.remove(best2);
    proto.remove(fallback);
}

TEST_CASE("push returns to the best priority as soon as one of its pipes is writable again") {
    push proto;
    test_pipe best("best", 1, 8, 1), fallback("fallback", 16);
    REQUIRE_FALSE(proto.add(best));
    REQUIRE_FALSE(proto.add(fallback));
    send_all(proto, {"1", "2"});
    CHECK(best.sent_texts() == texts{"1"});
    CHECK(fallback.sent_texts() == texts{"2"});
    REQUIRE(best.make_room());
    proto.writable(best);
    send_all(proto, {"3"});
    CHECK(best.sent_texts() == texts{"3"});
    CHECK(fallback.sent_texts() == texts{"2"});
    proto.remove(best);
    proto.remove(fallback);
}

TEST_CASE("push with no writable pipe returns EAGAIN and keeps the message") {
    push proto;
    message m = text_message("waiting");
    CHECK_FALSE(proto.can_send());
    CHECK(proto.send(m) == std::errc::resource_unavailable_try_again);
    test_pipe a("a", 8, 8, 1);
    REQUIRE_FALSE(proto.add(a));
    send_all(proto, {"fills a"});
    CHECK_FALSE(proto.can_send());
    CHECK(proto.send(m) == std::errc::resource_unavailable_try_again);
    CHECK(text_of(m) == "waiting");
    proto.remove(a);
}

TEST_CASE("a full pipe becomes writable again and is used") {
    push proto;
    test_pipe a("a", 8, 8, 1), b("b", 8, 8, 1);
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    send_all(proto, {"1", "2"});
    CHECK_FALSE(proto.can_send());
    REQUIRE(b.make_room());
    proto.writable(b);
    CHECK(proto.can_send());
    send_all(proto, {"3"});
    CHECK(b.sent_texts() == texts{"3"});
    REQUIRE(a.make_room());
    proto.writable(a);
    send_all(proto, {"4"});
    CHECK(a.sent_texts() == texts{"4"});
    CHECK_FALSE(proto.can_send());
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("push stops using a removed pipe and forgets it") {
    push proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    CHECK(a.attachment != nullptr);
    proto.remove(a);
    CHECK(a.attachment == nullptr);
    send_all(proto, {"1", "2", "3"});
    CHECK(a.sent_texts().empty());
    CHECK(b.sent_texts() == texts{"1", "2", "3"});
    proto.remove(b);
    CHECK_FALSE(proto.can_send());
}

TEST_CASE("push ignores events about a pipe that is not its own") {
    push proto;
    test_pipe stranger("stranger");
    proto.writable(stranger);
    stranger.deliver("x");
    proto.readable(stranger);
    proto.remove(stranger);
    CHECK_FALSE(proto.can_send());
    CHECK(stranger.inbox.size() == 1);
}

TEST_CASE("push cannot receive") {
    push proto;
    xpush raw;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    message m;
    CHECK(proto.receive(m) == std::errc::operation_not_supported);
    CHECK(raw.receive(m) == std::errc::operation_not_supported);
    CHECK_FALSE(proto.can_receive());
    CHECK_FALSE(raw.can_receive());
    proto.remove(a);
}

TEST_CASE("push discards what a misbehaving peer sends it") {
    push proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    a.deliver("junk 1");
    a.deliver("junk 2");
    proto.readable(a);
    CHECK(a.inbox.empty());
    CHECK_FALSE(proto.can_receive());
    proto.remove(a);
}

TEST_CASE("push talks to pull only") {
    push proto;
    CHECK(proto.id() == 80);
    CHECK(proto.accepts_peer(81));
    CHECK_FALSE(proto.accepts_peer(80));
    CHECK_FALSE(proto.accepts_peer(16));
}

TEST_CASE("raw push passes the header through; cooked push drops it") {
    xpush raw;
    push cooked;
    test_pipe to_raw("raw"), to_cooked("cooked");
    REQUIRE_FALSE(raw.add(to_raw));
    REQUIRE_FALSE(cooked.add(to_cooked));
    message m = text_message("body");
    m.push_header_word(0x80000001u);
    message copy = m;
    REQUIRE_FALSE(raw.send(m));
    REQUIRE_FALSE(cooked.send(copy));
    REQUIRE(to_raw.sent.size() == 1);
    REQUIRE(to_cooked.sent.size() == 1);
    CHECK(to_raw.sent.front().header().size() == 4);
    CHECK(to_cooked.sent.front().header().empty());
    CHECK(text_of(to_cooked.sent.front()) == "body");
    raw.remove(to_raw);
    cooked.remove(to_cooked);
}
