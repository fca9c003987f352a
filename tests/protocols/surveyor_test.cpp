// Tests of src/protocols/survey/surveyor.cpp and xsurveyor.cpp: surveys go
// to every respondent, responses to the current survey come back until the
// deadline, then ETIMEDOUT. The test plays the socket and the respondents.
// Deadline tests run SURVEYOR in a timer_host (a real worker and ctx) and
// wait for readiness_changed().
#include "protocols/survey/surveyor.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "core/error.hpp"
#include "protocols/backtrace_support.hpp"
#include "protocols/survey/xsurveyor.hpp"

using namespace nanoport;
using namespace std::chrono_literals;
using protocols::surveyor;
using protocols::xsurveyor;
using test::arrive;
using test::test_pipe;
using test::text_message;
using test::text_of;
using test::wire;
using test::words_of;
using words = std::vector<std::uint32_t>;
using texts = std::vector<std::string>;

namespace {

const std::error_code efsm = core::make_error_code(core::errc::bad_state);
const std::error_code eagain = std::make_error_code(std::errc::resource_unavailable_try_again);
const std::error_code etimedout = std::make_error_code(std::errc::timed_out);

std::vector<std::byte> int_bytes(int v) {
    std::vector<std::byte> out(sizeof(int));
    std::memcpy(out.data(), &v, sizeof(int));
    return out;
}

void survey(protocols::protocol& proto, std::string_view text) {
    aio::message m = text_message(text);
    REQUIRE_FALSE(proto.send(m));
}

std::string receive_text(protocols::protocol& proto) {
    aio::message m;
    REQUIRE_FALSE(proto.receive(m));
    CHECK(m.header().empty());
    return text_of(m);
}

}  // namespace

TEST_CASE("surveyor sends each survey to every respondent with its survey id") {
    surveyor proto;
    test_pipe a("a"), b("b"), c("c");
    for (auto* p : {&a, &b, &c}) REQUIRE_FALSE(proto.add(*p));
    survey(proto, "what time is it?");
    for (auto* p : {&a, &b, &c}) {
        REQUIRE(p->sent.size() == 1);
        CHECK(words_of(p->sent.front().header()) == words{proto.survey_id()});
        CHECK(text_of(p->sent.front()) == "what time is it?");
    }
    CHECK((proto.survey_id() & 0x80000000u) != 0);
    const std::uint32_t first = proto.survey_id();
    survey(proto, "again");
    CHECK(proto.survey_id() == (((first + 1) & 0x7fffffffu) | 0x80000000u));
    for (auto* p : {&a, &b, &c}) proto.remove(*p);
}

TEST_CASE("surveyor receives every response to the current survey") {
    surveyor proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    survey(proto, "s");
    const std::uint32_t id = proto.survey_id();
    aio::message m;
    CHECK(proto.receive(m) == eagain);
    CHECK_FALSE(proto.can_receive());
    arrive(proto, a, {wire({id}, "a1"), wire({id}, "a2")});
    arrive(proto, b, wire({id}, "b1"));
    std::set<std::string> got;
    for (int i = 0; i < 3; ++i) {
        CHECK(proto.can_receive());
        got.insert(receive_text(proto));
    }
    CHECK(got == std::set<std::string>{"a1", "a2", "b1"});
    CHECK_FALSE(proto.can_receive());
    CHECK(proto.receive(m) == eagain);  // no deadline without a host: still running
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("surveyor discards responses to an old survey") {
    surveyor proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    survey(proto, "old");
    const std::uint32_t old_id = proto.survey_id();
    arrive(proto, a, wire({old_id}, "taken, never read"));
    survey(proto, "new");
    const std::uint32_t new_id = proto.survey_id();
    arrive(proto, a,
           {wire({old_id}, "late for old"), wire({new_id}, "for new"),
            wire({old_id}, "later for old")});
    CHECK(receive_text(proto) == "for new");
    aio::message m;
    CHECK(proto.receive(m) == eagain);
    CHECK(proto.dropped() == 3);
    proto.remove(a);
}

TEST_CASE("surveyor drops responses that are malformed or carry hops") {
    surveyor proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    survey(proto, "s");
    const std::uint32_t id = proto.survey_id();
    arrive(proto, a,
           {test::raw_bytes({0x80}), wire({1, 2}, "no id"), wire({1, id}, "hops left over"),
            wire({id}, "good")});
    CHECK(receive_text(proto) == "good");
    CHECK(proto.dropped() == 3);
    CHECK_FALSE(a.closed);
    proto.remove(a);
}

TEST_CASE("surveyor refuses to receive with EFSM when no survey was sent") {
    surveyor proto;
    test_pipe a("a");
    REQUIRE_FALSE(proto.add(a));
    aio::message m;
    CHECK(proto.receive(m) == efsm);
    // Readable, as nanomsg's surveyor: a poller wakes and gets EFSM at once.
    CHECK(proto.can_receive());
    arrive(proto, a, wire({0x80000001u}, "unasked"));
    CHECK(proto.receive(m) == efsm);
    CHECK(proto.dropped() == 1);
    CHECK(a.inbox.empty());
    proto.remove(a);
}

TEST_CASE("surveyor never blocks on send: a full respondent misses the survey") {
    surveyor proto;
    CHECK(proto.can_send());
    survey(proto, "to nobody");
    test_pipe a("a", 8, 8, 1), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    survey(proto, "1");
    survey(proto, "2");
    CHECK(a.sent_texts() == texts{"1"});
    CHECK(b.sent_texts() == texts{"1", "2"});
    CHECK(proto.can_send());
    REQUIRE(a.make_room());
    proto.writable(a);
    survey(proto, "3");
    CHECK(a.sent_texts() == texts{"3"});
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("surveyor times out at the deadline with ETIMEDOUT") {
    test::timer_host host;
    surveyor proto;
    test_pipe a("a");
    proto.attach(host);
    CHECK_FALSE(proto.set_option(98, 1, int_bytes(50)));
    const int before = host.changes();
    std::chrono::steady_clock::time_point sent_at;
    host.inside([&] {
        REQUIRE_FALSE(proto.add(a));
        sent_at = std::chrono::steady_clock::now();  // before the deadline starts
        survey(proto, "s");
        arrive(proto, a, wire({proto.survey_id()}, "in time"));
        CHECK(receive_text(proto) == "in time");
        aio::message m;
        CHECK(proto.receive(m) == eagain);
        CHECK_FALSE(proto.can_receive());
    });
    // The deadline wakes a blocked receiver: readiness changed.
    REQUIRE(host.events.wait_for([&] { return host.readiness_changes > before; }));
    CHECK(std::chrono::steady_clock::now() - sent_at >= 50ms);
    host.inside([&] {
        CHECK(proto.can_receive());
        // A response after the deadline is not shown.
        arrive(proto, a, wire({proto.survey_id()}, "too late"));
        aio::message m;
        CHECK(proto.receive(m) == etimedout);
        CHECK(proto.receive(m) == efsm);
        CHECK(proto.dropped() == 1);
        // A new survey starts afresh.
        survey(proto, "next");
        CHECK(proto.receive(m) == eagain);
    });
    host.stop(proto);
    host.inside([&] { proto.remove(a); });
}

TEST_CASE("surveyor drops a response taken but not read by the deadline") {
    test::timer_host host;
    surveyor proto;
    test_pipe a("a");
    proto.attach(host);
    CHECK_FALSE(proto.set_option(98, 1, int_bytes(20)));
    const int before = host.changes();
    host.inside([&] {
        REQUIRE_FALSE(proto.add(a));
        survey(proto, "s");
        arrive(proto, a, wire({proto.survey_id()}, "unread"));
        CHECK(proto.can_receive());
    });
    REQUIRE(host.events.wait_for([&] { return host.readiness_changes > before; }));
    host.inside([&] {
        aio::message m;
        CHECK(proto.receive(m) == etimedout);
        CHECK(proto.dropped() == 1);
    });
    host.stop(proto);
    host.inside([&] { proto.remove(a); });
}

TEST_CASE("a new survey restarts the deadline") {
    test::timer_host host;
    surveyor proto;
    proto.attach(host);
    CHECK_FALSE(proto.set_option(98, 1, int_bytes(40)));
    const int before = host.changes();
    std::chrono::steady_clock::time_point second_at;
    host.inside([&] {
        // One block: the first deadline cannot fire in between.
        survey(proto, "first");
        second_at = std::chrono::steady_clock::now();  // before its deadline starts
        survey(proto, "second");
    });
    REQUIRE(host.events.wait_for([&] { return host.readiness_changes > before; }));
    CHECK(std::chrono::steady_clock::now() - second_at >= 40ms);
    host.inside([&] {
        aio::message m;
        CHECK(proto.receive(m) == etimedout);
        CHECK(proto.receive(m) == efsm);
    });
    CHECK(host.changes() == before + 1);  // one deadline, not two
    host.stop(proto);
}

TEST_CASE("surveyor takes NN_SURVEYOR_DEADLINE as a positive int") {
    surveyor proto;
    int value = 0;
    std::size_t size = sizeof(value);
    auto read = [&] {
        size = sizeof(value);
        REQUIRE_FALSE(proto.get_option(98, 1, std::as_writable_bytes(std::span(&value, 1)), size));
        CHECK(size == sizeof(int));
        return value;
    };
    CHECK(read() == 1000);
    CHECK_FALSE(proto.set_option(98, 1, int_bytes(5)));
    CHECK(read() == 5);
    CHECK(proto.set_option(98, 1, int_bytes(0)) == std::errc::invalid_argument);
    CHECK(proto.set_option(98, 1, int_bytes(-1)) == std::errc::invalid_argument);
    CHECK(proto.set_option(98, 1, std::vector<std::byte>(1)) == std::errc::invalid_argument);
    CHECK(read() == 5);
    CHECK(proto.set_option(98, 2, int_bytes(1)) == std::errc::no_protocol_option);
    CHECK_FALSE(proto.set_option(0, 17, int_bytes(4)));
    xsurveyor raw;
    CHECK(raw.set_option(98, 1, int_bytes(5)) == std::errc::no_protocol_option);
    CHECK_FALSE(raw.set_option(0, 17, int_bytes(4)));
}

TEST_CASE("raw surveyor passes the header through and splits responses") {
    xsurveyor proto;
    test_pipe a("a"), b("b");
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    CHECK(proto.can_send());
    aio::message m = text_message("s");
    m.push_header_word(0x80000042u);
    REQUIRE_FALSE(proto.send(m));
    for (auto* p : {&a, &b}) {
        REQUIRE(p->sent.size() == 1);
        CHECK(words_of(p->sent.front().header()) == words{0x80000042u});
    }
    arrive(proto, a, {wire({3, 0x80000042u}, "response"), wire({3}, "malformed")});
    aio::message got;
    REQUIRE_FALSE(proto.receive(got));
    CHECK(words_of(got.header()) == words{3, 0x80000042u});
    CHECK(text_of(got) == "response");
    CHECK(proto.receive(got) == eagain);
    CHECK(proto.dropped() == 1);
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("surveyor talks to respondent only") {
    surveyor proto;
    CHECK(proto.id() == 98);
    CHECK(proto.accepts_peer(99));
    CHECK_FALSE(proto.accepts_peer(98));
    CHECK_FALSE(proto.accepts_peer(49));
}

TEST_CASE("factory makes surveyor and respondent, cooked and raw") {
    for (int id : {98, 99}) {
        for (int domain : {protocols::domain_cooked, protocols::domain_raw}) {
            std::unique_ptr<protocols::protocol> out;
            REQUIRE_FALSE(protocols::make_protocol(domain, id, out));
            REQUIRE(out != nullptr);
            CHECK(out->id() == id);
        }
    }
    std::unique_ptr<protocols::protocol> out;
    REQUIRE_FALSE(protocols::make_protocol(protocols::domain_cooked, 98, out));
    const protocols::protocol& cooked = *out;
    CHECK(typeid(cooked) == typeid(surveyor));
    REQUIRE_FALSE(protocols::make_protocol(protocols::domain_raw, 98, out));
    const protocols::protocol& raw = *out;
    CHECK(typeid(raw) == typeid(xsurveyor));
}
