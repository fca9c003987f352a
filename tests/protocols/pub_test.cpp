// Tests of src/protocols/pubsub/pub.cpp and xpub.cpp: fan-out to every
// subscriber, never blocking, drops counted exactly. The test plays the
// socket: it adds and removes pipes and calls writable()/readable() when a
// test_pipe says so.
#include "protocols/pubsub/pub.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/pubsub/xpub.hpp"
#include "protocols/test_pipe.hpp"

using nanoport::aio::message;
using nanoport::protocols::pub;
using nanoport::protocols::xpub;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;
using texts = std::vector<std::string>;

namespace {

void publish(nanoport::protocols::protocol& proto, const std::string& text) {
    CHECK(proto.can_send());
    message m = text_message(text);
    REQUIRE_FALSE(proto.send(m));
}

const std::array<std::byte, 4> some_header{std::byte{0x80}, std::byte{0}, std::byte{0},
                                           std::byte{1}};

}  // namespace

TEST_CASE("pub sends every message to every subscriber pipe sharing one body") {
    pub proto;
    test_pipe a("a"), b("b"), c("c");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    message m = text_message("hello");
    const std::byte* body = m.body().data();
    REQUIRE_FALSE(proto.send(m));
    CHECK(m.size() == 0);  // consumed
    for (test_pipe* p : {&a, &b, &c}) {
        REQUIRE(p->sent.size() == 1);
        CHECK(p->sent.front().body().data() == body);  // shared, not copied
        CHECK(text_of(p->sent.front()) == "hello");
    }
    publish(proto, "world");
    CHECK(a.sent_texts() == texts{"hello", "world"});
    CHECK(b.sent_texts() == texts{"hello", "world"});
    CHECK(c.sent_texts() == texts{"hello", "world"});
    CHECK(proto.delivered() == 6);
    CHECK(proto.dropped() == 0);
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}

TEST_CASE("pub never blocks and counts a drop for a full pipe") {
    pub proto;
    test_pipe fast("fast"), slow("slow", 8, 8, 1);  // slow takes one message, then is full
    REQUIRE_FALSE(proto.add(fast));
    REQUIRE_FALSE(proto.add(slow));
    publish(proto, "1");
    publish(proto, "2");
    publish(proto, "3");
    CHECK(proto.can_send());
    CHECK(fast.sent_texts() == texts{"1", "2", "3"});
    CHECK(slow.sent_texts() == texts{"1"});
    CHECK(proto.dropped(slow) == 2);
    CHECK(proto.dropped(fast) == 0);
    CHECK(proto.dropped() == 2);
    CHECK(proto.delivered() == 4);
    // Room again: the pipe is back in the fan-out.
    REQUIRE(slow.make_room());
    proto.writable(slow);
    publish(proto, "4");
    CHECK(slow.sent_texts() == texts{"4"});
    CHECK(proto.dropped(slow) == 2);
    // A removed pipe's drops stay in the total.
    proto.remove(slow);
    CHECK(proto.dropped(slow) == 0);
    CHECK(proto.dropped() == 2);
    proto.remove(fast);
}

TEST_CASE("sent equals delivered plus dropped, exactly") {
    pub proto;
    test_pipe p0("p0", 8, 8, 1), p1("p1", 8, 8, 3), p2("p2", 8, 8, 7), p3("p3", 8, 8, 50), p4("p4");
    std::array<test_pipe*, 5> pipes{&p0, &p1, &p2, &p3, &p4};
    for (test_pipe* p : pipes) REQUIRE_FALSE(proto.add(*p));
    std::array<std::uint64_t, 5> received{};
    constexpr int messages = 5000;
    for (int i = 0; i < messages; ++i) {
        publish(proto, std::to_string(i));
        // Peers drain at different paces: pipe k empties every 3k+2 messages.
        for (std::size_t k = 0; k < pipes.size(); ++k) {
            if (i % static_cast<int>(3 * k + 2) != 0) continue;
            received[k] += pipes[k]->sent.size();
            if (pipes[k]->make_room()) proto.writable(*pipes[k]);
        }
    }
    std::uint64_t total_received = 0;
    std::uint64_t total_dropped = 0;
    for (std::size_t k = 0; k < pipes.size(); ++k) {
        received[k] += pipes[k]->sent.size();
        CAPTURE(k);
        CHECK(received[k] + proto.dropped(*pipes[k]) == messages);
        total_received += received[k];
        total_dropped += proto.dropped(*pipes[k]);
    }
    CHECK(proto.dropped(p0) > 0);
    CHECK(proto.dropped(p4) == 0);
    CHECK(proto.delivered() == total_received);
    CHECK(proto.dropped() == total_dropped);
    CHECK(proto.delivered() + proto.dropped() == std::uint64_t{messages} * pipes.size());
    for (test_pipe* p : pipes) proto.remove(*p);
}

TEST_CASE("pub with no subscriber drops the message without counting it") {
    pub proto;
    CHECK(proto.can_send());
    publish(proto, "into the void");
    CHECK(proto.delivered() == 0);
    CHECK(proto.dropped() == 0);
}

TEST_CASE("pub cannot receive and discards whatever a peer sends") {
    pub proto;
    test_pipe p("p");
    REQUIRE_FALSE(proto.add(p));
    CHECK_FALSE(proto.can_receive());
    message m;
    CHECK(proto.receive(m) == std::errc::operation_not_supported);
    p.deliver("junk1");
    p.deliver("junk2");
    proto.readable(p);
    CHECK(p.inbox.empty());
    CHECK_FALSE(proto.can_receive());
    proto.remove(p);
}

TEST_CASE("cooked pub sends no header; raw pub passes one through") {
    pub cooked;
    xpub raw;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(cooked.add(a));
    REQUIRE_FALSE(raw.add(b));
    message m1 = text_message("x");
    m1.set_header(some_header);
    REQUIRE_FALSE(cooked.send(m1));
    message m2 = text_message("x");
    m2.set_header(some_header);
    REQUIRE_FALSE(raw.send(m2));
    REQUIRE(a.sent.size() == 1);
    REQUIRE(b.sent.size() == 1);
    CHECK(a.sent.front().header().empty());
    CHECK(b.sent.front().header().size() == some_header.size());
    cooked.remove(a);
    raw.remove(b);
}

TEST_CASE("pub talks to sub only") {
    pub proto;
    CHECK(proto.id() == 32);
    CHECK(proto.accepts_peer(33));
    CHECK_FALSE(proto.accepts_peer(32));
    CHECK_FALSE(proto.accepts_peer(112));
}
