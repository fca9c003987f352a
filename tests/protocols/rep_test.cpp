// Tests of src/protocols/reqrep/rep.cpp and xrep.cpp: requests come in with a
// backtrace, replies go back the way the request came. The test plays the
// socket and the REQ peers, with test_pipes carrying wire-format payloads
// (backtrace + body in the body, as tcp and ipc deliver them).
#include "protocols/reqrep/rep.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "core/error.hpp"
#include "protocols/backtrace_support.hpp"
#include "protocols/protocol.hpp"
#include "protocols/reqrep/xrep.hpp"

using namespace nanoport;
using protocols::rep;
using protocols::xrep;
using test::arrive;
using test::test_pipe;
using test::text_message;
using test::text_of;
using test::wire;
using test::words_of;
using words = std::vector<std::uint32_t>;

namespace {

const std::error_code efsm = core::make_error_code(core::errc::bad_state);

std::vector<std::byte> int_bytes(int v) {
    std::vector<std::byte> out(sizeof(int));
    std::memcpy(out.data(), &v, sizeof(int));
    return out;
}

// Receives one request; its body.
std::string receive_text(protocols::protocol& proto) {
    aio::message m;
    REQUIRE_FALSE(proto.receive(m));
    return text_of(m);
}

void reply(protocols::protocol& proto, std::string_view text) {
    aio::message m = text_message(text);
    REQUIRE_FALSE(proto.send(m));
}

}  // namespace

TEST_CASE("rep routes a reply to the pipe the request came from") {
    rep proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    arrive(proto, a, wire({0x80000001u}, "question a"));
    arrive(proto, b, wire({0x80000002u}, "question b"));
    for (int i = 0; i < 2; ++i) {
        const std::string question = receive_text(proto);
        reply(proto, "answer to " + question);
    }
    REQUIRE(a.sent.size() == 1);
    REQUIRE(b.sent.size() == 1);
    // The request id goes back in the header; the pipe id was popped.
    CHECK(words_of(a.sent.front().header()) == words{0x80000001u});
    CHECK(text_of(a.sent.front()) == "answer to question a");
    CHECK(words_of(b.sent.front().header()) == words{0x80000002u});
    CHECK(text_of(b.sent.front()) == "answer to question b");
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("rep shows the user only the body") {
    rep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, wire({3, 0x80000001u}, "body"));
    aio::message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(m.header().empty());
    CHECK(text_of(m) == "body");
    // Hops go back in front of the reply, the way they came.
    reply(proto, "r");
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{3, 0x80000001u});
    proto.remove(a);
}

TEST_CASE("rep drops a reply whose pipe is gone") {
    rep proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    arrive(proto, a, wire({0x80000001u}, "q"));
    CHECK(receive_text(proto) == "q");
    proto.remove(a);
    reply(proto, "nobody listens");  // accepted, and dropped
    CHECK(a.sent.empty());
    CHECK(b.sent.empty());
    CHECK(proto.dropped() == 1);
    // The request was answered, as far as REP is concerned.
    aio::message again = text_message("again");
    CHECK(proto.send(again) == efsm);
    proto.remove(b);
}

TEST_CASE("rep drops a reply when the requester's pipe is full") {
    rep proto;
    test_pipe a("a", 8, 8, 1);
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, {wire({0x80000001u}, "q1"), wire({0x80000002u}, "q2")});
    CHECK(receive_text(proto) == "q1");
    reply(proto, "r1");  // fills the pipe
    CHECK(receive_text(proto) == "q2");
    reply(proto, "r2");  // unwritable: dropped, never handed to the pipe
    CHECK(a.sent_texts() == std::vector<std::string>{"r1"});
    CHECK(proto.dropped() == 1);
    // Writable again: the next reply goes.
    arrive(proto, a, wire({0x80000003u}, "q3"));
    CHECK(receive_text(proto) == "q3");
    REQUIRE(a.make_room());
    proto.writable(a);
    reply(proto, "r3");
    CHECK(a.sent_texts() == std::vector<std::string>{"r3"});
    proto.remove(a);
}

TEST_CASE("rep refuses to send with EFSM while no request is in hand") {
    rep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    CHECK_FALSE(proto.can_send());
    aio::message m = text_message("unasked");
    CHECK(proto.send(m) == efsm);
    CHECK(text_of(m) == "unasked");
    arrive(proto, a, wire({0x80000001u}, "q"));
    CHECK(proto.can_receive());
    CHECK(receive_text(proto) == "q");
    CHECK(proto.can_send());
    CHECK_FALSE(proto.can_receive());
    reply(proto, "r");
    CHECK_FALSE(proto.can_send());
    proto.remove(a);
}

TEST_CASE("a new receive makes rep forget the request in hand") {
    rep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, wire({0x80000001u}, "first"));
    CHECK(receive_text(proto) == "first");
    // Even a receive that finds nothing gives up on answering (nn_rep_recv).
    aio::message m;
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    CHECK_FALSE(proto.can_send());
    arrive(proto, a, wire({0x80000002u}, "second"));
    CHECK(receive_text(proto) == "second");
    reply(proto, "r");
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{0x80000002u});
    proto.remove(a);
}

TEST_CASE("rep replaces a header the user put on the reply") {
    rep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, wire({0x80000001u}, "q"));
    CHECK(receive_text(proto) == "q");
    aio::message m = text_message("r");
    m.push_header_word(0x12345678u);
    REQUIRE_FALSE(proto.send(m));
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{0x80000001u});
    proto.remove(a);
}

TEST_CASE("malformed backtraces are dropped, not fatal") {
    rep proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    arrive(proto, a,
           {test::raw_bytes({0x80, 0, 0}),  // 3 bytes
            wire({1, 2, 3}, ""),            // no request id
            test::raw_bytes({}),            // empty
            wire({0x80000001u}, "good a")});
    arrive(proto, b, {wire({4}, "no id either"), wire({0x80000002u}, "good b")});
    std::set<std::string> got;
    got.insert(receive_text(proto));
    got.insert(receive_text(proto));
    CHECK(got == std::set<std::string>{"good a", "good b"});
    aio::message m;
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    CHECK_FALSE(proto.can_receive());
    CHECK(proto.dropped() == 4);
    // The pipes stay up and keep serving.
    CHECK_FALSE(a.closed);
    CHECK_FALSE(b.closed);
    arrive(proto, a, wire({0x80000003u}, "later"));
    CHECK(receive_text(proto) == "later");
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("a backtrace longer than MAXTTL is dropped") {
    rep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    // Default NN_MAXTTL 8: 8 words pass, 9 are dropped.
    arrive(proto, a,
           {wire({1, 2, 3, 4, 5, 6, 7, 8, 0x80000009u}, "too deep"),
            wire({1, 2, 3, 4, 5, 6, 7, 0x80000008u}, "deep enough")});
    CHECK(receive_text(proto) == "deep enough");
    CHECK(proto.dropped() == 1);
    // The socket forwards NN_MAXTTL: 9 words pass now, 10 do not.
    CHECK_FALSE(proto.set_option(0, 17, int_bytes(9)));
    arrive(proto, a,
           {wire({1, 2, 3, 4, 5, 6, 7, 8, 9, 0x8000000au}, "too deep"),
            wire({1, 2, 3, 4, 5, 6, 7, 8, 0x80000009u}, "deep enough")});
    CHECK(receive_text(proto) == "deep enough");
    CHECK(proto.dropped() == 2);
    reply(proto, "r");
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{1, 2, 3, 4, 5, 6, 7, 8, 0x80000009u});
    proto.remove(a);
}

TEST_CASE("rep takes NN_MAXTTL as an int from 1 to 255 and no other option") {
    rep proto;
    xrep raw;
    for (protocols::protocol* p :
         {static_cast<protocols::protocol*>(&proto), static_cast<protocols::protocol*>(&raw)}) {
        CHECK_FALSE(p->set_option(0, 17, int_bytes(1)));
        CHECK_FALSE(p->set_option(0, 17, int_bytes(255)));
        CHECK(p->set_option(0, 17, int_bytes(0)) == std::errc::invalid_argument);
        CHECK(p->set_option(0, 17, int_bytes(256)) == std::errc::invalid_argument);
        CHECK(p->set_option(0, 17, std::vector<std::byte>(8)) == std::errc::invalid_argument);
        CHECK(p->set_option(0, 1, int_bytes(1)) == std::errc::no_protocol_option);
        CHECK(p->set_option(49, 1, int_bytes(1)) == std::errc::no_protocol_option);
    }
}

TEST_CASE("rep accepts a request whose backtrace arrived already split") {
    // inproc hands over message objects: the header is already separate.
    rep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    aio::message split = text_message("q");
    split.push_header_word(0x80000005u);
    aio::message bad = text_message("bad");
    bad.push_header_word(5);  // no request id
    arrive(proto, a, {split, bad});
    CHECK(receive_text(proto) == "q");
    aio::message m;
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    CHECK(proto.dropped() == 1);
    proto.remove(a);
}

TEST_CASE("raw rep shows the pipe id in front of the backtrace and routes by it") {
    xrep proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    arrive(proto, a, wire({5, 0x80000007u}, "q"));
    aio::message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(words_of(m.header()) == words{proto.pipe_id(a), 5, 0x80000007u});
    CHECK(text_of(m) == "q");
    // The user sends with that header: the pipe id is popped, the rest goes.
    REQUIRE_FALSE(proto.send(m));
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{5, 0x80000007u});
    CHECK(text_of(a.sent.front()) == "q");
    // A header naming b goes to b.
    aio::message to_b = text_message("to b");
    to_b.push_header_word(proto.pipe_id(b));
    to_b.push_header_word(0x80000001u);
    REQUIRE_FALSE(proto.send(to_b));
    REQUIRE(b.sent.size() == 1);
    CHECK(words_of(b.sent.front().header()) == words{0x80000001u});
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("raw rep drops replies with no pipe id or an unknown one, and never blocks") {
    xrep proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    CHECK(proto.can_send());
    aio::message no_header = text_message("x");
    CHECK_FALSE(proto.send(no_header));
    aio::message unknown = text_message("y");
    unknown.push_header_word((proto.pipe_id(a) + 1) & 0x7fffffffu);
    unknown.push_header_word(0x80000001u);
    CHECK_FALSE(proto.send(unknown));
    aio::message id_word = text_message("z");
    id_word.push_header_word(0x80000000u | proto.pipe_id(a));  // a request id, not a pipe
    CHECK_FALSE(proto.send(id_word));
    CHECK(a.sent.empty());
    CHECK(proto.dropped() == 3);
    CHECK(proto.can_send());
    proto.remove(a);
}

TEST_CASE("raw rep gives live pipes distinct ids with the top bit clear") {
    xrep proto;
    std::vector<std::unique_ptr<test_pipe>> pipes;
    std::set<std::uint32_t> ids;
    for (int i = 0; i < 100; ++i) {
        pipes.push_back(std::make_unique<test_pipe>("p" + std::to_string(i)));
        REQUIRE_FALSE(proto.add(*pipes.back()));
        const std::uint32_t id = proto.pipe_id(*pipes.back());
        CHECK((id & 0x80000000u) == 0);
        ids.insert(id);
    }
    CHECK(ids.size() == 100);
    for (auto& p : pipes) proto.remove(*p);
}

TEST_CASE("rep forgets a removed pipe and ignores pipes that are not its own") {
    rep proto;
    test_pipe a("a"), stranger("stranger");
    REQUIRE_FALSE(proto.add(a));
    CHECK(a.attachment != nullptr);
    proto.remove(a);
    CHECK(a.attachment == nullptr);
    stranger.deliver("x");
    proto.readable(stranger);
    proto.writable(stranger);
    proto.remove(stranger);
    CHECK_FALSE(proto.can_receive());
    CHECK(stranger.inbox.size() == 1);
}

TEST_CASE("rep talks to req only") {
    rep proto;
    CHECK(proto.id() == 49);
    CHECK(proto.accepts_peer(48));
    CHECK_FALSE(proto.accepts_peer(49));
    CHECK_FALSE(proto.accepts_peer(99));
    xrep raw;
    CHECK(raw.id() == 49);
    CHECK(raw.accepts_peer(48));
}

TEST_CASE("factory makes req and rep, cooked and raw") {
    for (int id : {48, 49}) {
        for (int domain : {protocols::domain_cooked, protocols::domain_raw}) {
            std::unique_ptr<protocols::protocol> out;
            REQUIRE_FALSE(protocols::make_protocol(domain, id, out));
            REQUIRE(out != nullptr);
            CHECK(out->id() == id);
        }
    }
    std::unique_ptr<protocols::protocol> out;
    REQUIRE_FALSE(protocols::make_protocol(protocols::domain_cooked, 49, out));
    const protocols::protocol& cooked = *out;
    CHECK(typeid(cooked) == typeid(rep));
    REQUIRE_FALSE(protocols::make_protocol(protocols::domain_raw, 49, out));
    const protocols::protocol& raw = *out;
    CHECK(typeid(raw) == typeid(xrep));
}
