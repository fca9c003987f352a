// Tests of src/protocols/pipeline/pull.cpp and xpull.cpp: fair queueing with
// priorities. The test plays the socket: it adds and removes pipes and calls
// readable() when a test_pipe says so.
#include "protocols/pipeline/pull.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocols/pipeline/xpull.hpp"
#include "protocols/test_pipe.hpp"

using nanoport::aio::message;
using nanoport::protocols::pull;
using nanoport::protocols::xpull;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;
using texts = std::vector<std::string>;

namespace {

// The peer behind p sends text; plays the socket's part.
void deliver(nanoport::protocols::protocol& proto, test_pipe& p, std::string_view text) {
    if (p.deliver(text)) proto.readable(p);
}

// Receives until EAGAIN; checks can_receive() agrees before every call.
texts receive_all(nanoport::protocols::protocol& proto) {
    texts got;
    for (;;) {
        const bool expected = proto.can_receive();
        message m;
        const auto ec = proto.receive(m);
        CHECK(expected == !ec);
        if (ec) {
            CHECK(ec == std::errc::resource_unavailable_try_again);
            return got;
        }
        got.push_back(text_of(m));
    }
}

}  // namespace

TEST_CASE("pull fair-queues across pipes") {
    pull proto;
    test_pipe a("a"), b("b"), c("c");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    for (auto text : {"a1", "a2", "a3", "a4"}) deliver(proto, a, text);
    for (auto text : {"b1", "b2"}) deliver(proto, b, text);
    deliver(proto, c, "c1");
    CHECK(receive_all(proto) == texts{"a1", "b1", "c1", "a2", "b2", "a3", "a4"});
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}

TEST_CASE("pull reads a worse priority only while no better pipe has a message") {
    pull proto;
    test_pipe best("best", 8, 1), worse("worse", 8, 9);
    REQUIRE_FALSE(proto.add(worse));
    REQUIRE_FALSE(proto.add(best));
    deliver(proto, worse, "w1");
    deliver(proto, worse, "w2");
    deliver(proto, best, "b1");
    message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(text_of(m) == "b1");
    REQUIRE_FALSE(proto.receive(m));
    CHECK(text_of(m) == "w1");
    deliver(proto, best, "b2");
    REQUIRE_FALSE(proto.receive(m));
    CHECK(text_of(m) == "b2");
    CHECK(receive_all(proto) == texts{"w2"});
    proto.remove(best);
    proto.remove(worse);
}

TEST_CASE("pull with nothing readable returns EAGAIN") {
    pull proto;
    message m;
    CHECK_FALSE(proto.can_receive());
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));  // a new pipe has nothing to read
    CHECK_FALSE(proto.can_receive());
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    CHECK(a.receive_calls == 0);
    proto.remove(a);
}

TEST_CASE("a pipe that runs dry leaves the queue until it is readable again") {
    pull proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    deliver(proto, a, "1");
    CHECK(receive_all(proto) == texts{"1"});
    const int calls = a.receive_calls;
    message m;
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    CHECK(a.receive_calls == calls);  // not asked again before readable()
    deliver(proto, a, "2");
    CHECK(receive_all(proto) == texts{"2"});
    proto.remove(a);
}

TEST_CASE("pull receives nothing from a removed pipe") {
    pull proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    deliver(proto, a, "a1");
    deliver(proto, b, "b1");
    proto.remove(a);
    CHECK(a.attachment == nullptr);
    proto.readable(a);  // a late event about the removed pipe changes nothing
    CHECK(receive_all(proto) == texts{"b1"});
    CHECK(a.inbox.size() == 1);
    proto.remove(b);
    CHECK_FALSE(proto.can_receive());
}

TEST_CASE("pull cannot send") {
    pull proto;
    xpull raw;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    message m = text_message("no");
    CHECK(proto.send(m) == std::errc::operation_not_supported);
    CHECK(raw.send(m) == std::errc::operation_not_supported);
    CHECK_FALSE(proto.can_send());
    CHECK_FALSE(raw.can_send());
    proto.writable(a);
    CHECK(a.sent.empty());
    proto.remove(a);
}

TEST_CASE("pull talks to push only") {
    pull proto;
    CHECK(proto.id() == 81);
    CHECK(proto.accepts_peer(80));
    CHECK_FALSE(proto.accepts_peer(81));
}

TEST_CASE("raw pull passes the header through; cooked pull drops it") {
    xpull raw;
    pull cooked;
    test_pipe from_raw("raw"), from_cooked("cooked");
    REQUIRE_FALSE(raw.add(from_raw));
    REQUIRE_FALSE(cooked.add(from_cooked));
    message m = text_message("body");
    m.push_header_word(0x80000001u);
    from_raw.inbox.push_back(m);
    from_cooked.inbox.push_back(m);
    raw.readable(from_raw);
    cooked.readable(from_cooked);
    message got;
    REQUIRE_FALSE(raw.receive(got));
    CHECK(got.header().size() == 4);
    REQUIRE_FALSE(cooked.receive(got));
    CHECK(got.header().empty());
    CHECK(text_of(got) == "body");
    raw.remove(from_raw);
    cooked.remove(from_cooked);
}
