// Tests of src/protocols/survey/respondent.cpp and xrespondent.hpp: surveys
// come in with a backtrace, responses go back the way the survey came. The
// test plays the socket and the surveyors.
#include "protocols/survey/respondent.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "protocols/backtrace_support.hpp"
#include "protocols/survey/xrespondent.hpp"

using namespace nanoport;
using protocols::respondent;
using protocols::xrespondent;
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

std::string receive_text(protocols::protocol& proto) {
    aio::message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(m.header().empty());
    return text_of(m);
}

void respond(protocols::protocol& proto, std::string_view text) {
    aio::message m = text_message(text);
    REQUIRE_FALSE(proto.send(m));
}

}  // namespace

TEST_CASE("respondent answers through the pipe the survey came from") {
    respondent proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    arrive(proto, b, wire({0x80000022u}, "survey b"));
    arrive(proto, a, wire({0x80000011u}, "survey a"));
    for (int i = 0; i < 2; ++i) {
        const std::string survey = receive_text(proto);
        respond(proto, "response to " + survey);
    }
    REQUIRE(a.sent.size() == 1);
    REQUIRE(b.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{0x80000011u});
    CHECK(text_of(a.sent.front()) == "response to survey a");
    CHECK(words_of(b.sent.front().header()) == words{0x80000022u});
    CHECK(text_of(b.sent.front()) == "response to survey b");
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("respondent refuses to send with EFSM while no survey is in hand") {
    respondent proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    CHECK_FALSE(proto.can_send());
    aio::message m = text_message("unasked");
    CHECK(proto.send(m) == efsm);
    arrive(proto, a, wire({0x80000001u}, "s"));
    CHECK(receive_text(proto) == "s");
    CHECK(proto.can_send());
    respond(proto, "r");
    CHECK_FALSE(proto.can_send());
    aio::message again = text_message("again");
    CHECK(proto.send(again) == efsm);
    proto.remove(a);
}

TEST_CASE("a new receive makes respondent forget the survey in hand") {
    respondent proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, wire({0x80000001u}, "first"));
    CHECK(receive_text(proto) == "first");
    aio::message m;
    CHECK(proto.receive(m) == std::errc::resource_unavailable_try_again);
    CHECK_FALSE(proto.can_send());
    proto.remove(a);
}

TEST_CASE("respondent drops a response whose surveyor is gone") {
    respondent proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, wire({0x80000001u}, "s"));
    CHECK(receive_text(proto) == "s");
    proto.remove(a);
    respond(proto, "lost");
    CHECK(a.sent.empty());
    CHECK(proto.dropped() == 1);
}

TEST_CASE("respondent drops malformed and over-TTL surveys, not the pipe") {
    respondent proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    CHECK_FALSE(proto.set_option(0, 17, int_bytes(2)));
    arrive(proto, a,
           {test::raw_bytes({1, 2, 3}), wire({1, 2}, "no id"),
            wire({1, 2, 0x80000003u}, "three words"), wire({1, 0x80000004u}, "two words")});
    CHECK(receive_text(proto) == "two words");
    CHECK(proto.dropped() == 3);
    CHECK_FALSE(a.closed);
    respond(proto, "r");
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{1, 0x80000004u});
    proto.remove(a);
}

TEST_CASE("raw respondent shows the pipe id in front of the survey id") {
    xrespondent proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    arrive(proto, a, wire({0x80000005u}, "s"));
    aio::message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(words_of(m.header()) == words{proto.pipe_id(a), 0x80000005u});
    REQUIRE_FALSE(proto.send(m));
    REQUIRE(a.sent.size() == 1);
    CHECK(words_of(a.sent.front().header()) == words{0x80000005u});
    CHECK(proto.can_send());
    proto.remove(a);
}

TEST_CASE("respondent talks to surveyor only") {
    respondent proto;
    CHECK(proto.id() == 99);
    CHECK(proto.accepts_peer(98));
    CHECK_FALSE(proto.accepts_peer(99));
    CHECK_FALSE(proto.accepts_peer(48));
    xrespondent raw;
    CHECK(raw.id() == 99);
    CHECK(raw.accepts_peer(98));
    CHECK_FALSE(raw.accepts_peer(48));
}
