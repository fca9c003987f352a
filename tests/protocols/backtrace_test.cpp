// Tests of src/protocols/utils/backtrace.cpp: splitting SP backtraces off
// payloads, with hostile inputs, and the message edits built on it.
#include "protocols/utils/backtrace.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "protocols/backtrace_support.hpp"

using namespace nanoport;
namespace backtrace = protocols::utils::backtrace;
using backtrace::status;
using test::raw_bytes;
using test::text_of;
using test::wire;
using test::words_of;
using words = std::vector<std::uint32_t>;

namespace {

// n hop words (top bit clear) and then, if terminated, a request id.
std::vector<std::byte> chain(std::size_t hops, bool terminated, std::string_view body = "") {
    std::vector<std::byte> out;
    auto put = [&](std::uint32_t w) {
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte(w >> shift));
    };
    for (std::size_t i = 0; i < hops; ++i) put(static_cast<std::uint32_t>(i + 1));
    if (terminated) put(0x80000000u | 42u);
    for (const char c : body) out.push_back(std::byte(c));
    return out;
}

std::vector<std::byte> int_bytes(int v) {
    std::vector<std::byte> out(sizeof(int));
    std::memcpy(out.data(), &v, sizeof(int));
    return out;
}

}  // namespace

TEST_CASE("split takes the words up to and including the first with the top bit set") {
    const auto one = chain(0, true, "body");
    CHECK(backtrace::split(one, 8).outcome == status::ok);
    CHECK(backtrace::split(one, 8).header_size == 4);
    const auto three = chain(2, true, "body");
    CHECK(backtrace::split(three, 8).header_size == 12);
    // The body may itself look like words with the top bit set: only the
    // first one ends the backtrace.
    const aio::message m = wire({0x80000001u, 0x80000002u}, "");
    CHECK(backtrace::split(m.body(), 8).header_size == 4);
}

TEST_CASE("a payload without a terminating word is malformed") {
    CHECK(backtrace::split(chain(3, false), 8).outcome == status::malformed);
    CHECK(backtrace::split(chain(3, false, "xy"), 8).outcome == status::malformed);
    CHECK(backtrace::split(chain(3, false), 8).header_size == 0);
}

TEST_CASE("a payload shorter than a word is malformed") {
    CHECK(backtrace::split({}, 8).outcome == status::malformed);
    for (const auto& m :
         {raw_bytes({0x80}), raw_bytes({0x80, 0, 0}), raw_bytes({0xff, 0xff, 0xff})}) {
        CHECK(backtrace::split(m.body(), 8).outcome == status::malformed);
    }
    // A hop word and then 3 bytes of what would be the id.
    CHECK(backtrace::split(raw_bytes({0, 0, 0, 1, 0x80, 0, 0}).body(), 8).outcome ==
          status::malformed);
}

TEST_CASE("a backtrace of MAXTTL words passes and one of MAXTTL+1 words is dropped") {
    for (int ttl : {1, 2, 8, 17}) {
        CAPTURE(ttl);
        const auto at_limit = chain(static_cast<std::size_t>(ttl - 1), true, "b");
        CHECK(backtrace::split(at_limit, ttl).outcome == status::ok);
        CHECK(backtrace::split(at_limit, ttl).header_size == static_cast<std::size_t>(ttl) * 4);
        const auto over = chain(static_cast<std::size_t>(ttl), true, "b");
        CHECK(backtrace::split(over, ttl).outcome == status::too_many_hops);
        // Too long and unterminated counts as too long.
        CHECK(backtrace::split(chain(static_cast<std::size_t>(ttl) + 3, false), ttl).outcome ==
              status::too_many_hops);
    }
}

TEST_CASE("a backtrace of 255 words passes only with NN_MAXTTL 255") {
    const auto longest = chain(254, true, "body");
    CHECK(backtrace::split(longest, 255).outcome == status::ok);
    CHECK(backtrace::split(longest, 255).header_size == 255 * 4);
    CHECK(backtrace::split(longest, 254).outcome == status::too_many_hops);
    CHECK(backtrace::split(longest, 8).outcome == status::too_many_hops);
    CHECK(backtrace::split(chain(255, true), 255).outcome == status::too_many_hops);
}

TEST_CASE("split clamps a max_ttl outside 1..255") {
    CHECK(backtrace::split(chain(0, true), 0).outcome == status::ok);
    CHECK(backtrace::split(chain(1, true), 0).outcome == status::too_many_hops);
    CHECK(backtrace::split(chain(0, true), -5).outcome == status::ok);
    CHECK(backtrace::split(chain(254, true), 100000).outcome == status::ok);
    CHECK(backtrace::split(chain(255, true), 100000).outcome == status::too_many_hops);
}

TEST_CASE("split never reads past the payload, whatever the bytes") {
    std::mt19937 random(12345);
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::byte> payload(random() % 48);
        for (auto& b : payload) {
            // Mostly hop-like bytes, so that long chains occur.
            b = std::byte(random() % 8 == 0 ? 0x80 | (random() & 0x7f) : random() & 0x7f);
        }
        const int ttl = 1 + static_cast<int>(random() % 12);
        const auto r = backtrace::split(payload, ttl);
        if (r.outcome != status::ok) {
            CHECK(r.header_size == 0);
            continue;
        }
        REQUIRE(r.header_size % 4 == 0);
        REQUIRE(r.header_size <= payload.size());
        REQUIRE(r.header_size / 4 <= static_cast<std::size_t>(ttl));
        const auto words = words_of(std::span<const std::byte>(payload).first(r.header_size));
        for (std::size_t i = 0; i + 1 < words.size(); ++i) CHECK((words[i] & 0x80000000u) == 0);
        CHECK((words.back() & 0x80000000u) != 0);
    }
}

TEST_CASE("check_header accepts exactly one whole backtrace") {
    CHECK(backtrace::check_header(chain(2, true), 8).outcome == status::ok);
    CHECK(backtrace::check_header(chain(2, false), 8).outcome == status::malformed);
    CHECK(backtrace::check_header({}, 8).outcome == status::malformed);
    // Words after the id, or a partial word after it, are not a backtrace.
    CHECK(backtrace::check_header(wire({0x80000001u, 0x80000002u}, "").body(), 8).outcome ==
          status::malformed);
    CHECK(backtrace::check_header(chain(0, true, "x"), 8).outcome == status::malformed);
    CHECK(backtrace::check_header(chain(8, true), 8).outcome == status::too_many_hops);
}

TEST_CASE("take moves the backtrace from the body into the header") {
    aio::message m = wire({7, 0x80000009u}, "payload");
    REQUIRE(backtrace::take(m, 8));
    CHECK(words_of(m.header()) == words{7, 0x80000009u});
    CHECK(text_of(m) == "payload");
}

TEST_CASE("take refuses malformed and over-TTL payloads") {
    aio::message unterminated = wire({1, 2}, "");
    CHECK_FALSE(backtrace::take(unterminated, 8));
    aio::message short_one = raw_bytes({0x80, 0});
    CHECK_FALSE(backtrace::take(short_one, 8));
    aio::message deep = wire({1, 2, 3, 0x80000001u}, "x");
    CHECK_FALSE(backtrace::take(deep, 3));
}

TEST_CASE("take checks a header that arrived already split") {
    aio::message split = test::text_message("body");
    split.push_header_word(3);
    split.push_header_word(0x80000004u);
    REQUIRE(backtrace::take(split, 8));
    CHECK(words_of(split.header()) == words{3, 0x80000004u});
    CHECK(text_of(split) == "body");

    aio::message no_id = test::text_message("body");
    no_id.push_header_word(3);
    CHECK_FALSE(backtrace::take(no_id, 8));
    aio::message deep = test::text_message("body");
    for (std::uint32_t w : {1u, 2u, 0x80000003u}) deep.push_header_word(w);
    CHECK_FALSE(backtrace::take(deep, 2));
}

TEST_CASE("take_with_hop puts the hop in front of the backtrace") {
    aio::message m = wire({0x80000001u}, "req");
    REQUIRE(backtrace::take_with_hop(m, 0x1234, 8));
    CHECK(words_of(m.header()) == words{0x1234, 0x80000001u});
    CHECK(text_of(m) == "req");

    aio::message split = test::text_message("req");
    split.push_header_word(5);
    split.push_header_word(0x80000006u);
    REQUIRE(backtrace::take_with_hop(split, 9, 8));
    CHECK(words_of(split.header()) == words{9, 5, 0x80000006u});
    CHECK(text_of(split) == "req");

    // The longest: 255 words and the hop, past the inline header capacity.
    aio::message longest = aio::message::copy_of(chain(254, true, "end"));
    REQUIRE(backtrace::take_with_hop(longest, 1, 255));
    CHECK(longest.header().size() == backtrace::max_header_size);
    CHECK(text_of(longest) == "end");

    aio::message bad = wire({1}, "");
    CHECK_FALSE(backtrace::take_with_hop(bad, 1, 8));
}

TEST_CASE("pop_word removes the first header word") {
    aio::message m = test::text_message("x");
    for (std::uint32_t w : {11u, 12u, 0x8000000du}) m.push_header_word(w);
    CHECK(backtrace::pop_word(m) == 11u);
    CHECK(words_of(m.header()) == words{12, 0x8000000du});
    CHECK(backtrace::pop_word(m) == 12u);
    CHECK(backtrace::pop_word(m) == 0x8000000du);
    CHECK(m.header().empty());
    CHECK_FALSE(backtrace::pop_word(m).has_value());
    CHECK(text_of(m) == "x");

    aio::message partial = test::text_message("x");
    partial.set_header(raw_bytes({1, 2, 3}).body());
    CHECK_FALSE(backtrace::pop_word(partial).has_value());

    // A raw user may hand over any header, longer than any backtrace.
    aio::message huge = test::text_message("x");
    for (std::uint32_t w = 0; w < 600; ++w) huge.push_header_word(w);
    CHECK(backtrace::pop_word(huge) == 0u);
    CHECK(huge.header().size() == 599 * 4);
    CHECK(words_of(huge.header()).front() == 1u);
    CHECK(words_of(huge.header()).back() == 599u);
}

TEST_CASE("NN_MAXTTL is an int from 1 to 255 at the socket level") {
    CHECK(backtrace::is_max_ttl_option(0, 17));
    CHECK_FALSE(backtrace::is_max_ttl_option(0, 16));
    CHECK_FALSE(backtrace::is_max_ttl_option(48, 17));
    int ttl = 8;
    CHECK_FALSE(backtrace::parse_max_ttl(int_bytes(1), ttl));
    CHECK(ttl == 1);
    CHECK_FALSE(backtrace::parse_max_ttl(int_bytes(255), ttl));
    CHECK(ttl == 255);
    for (int bad : {0, -1, 256, 100000}) {
        CHECK(backtrace::parse_max_ttl(int_bytes(bad), ttl) == std::errc::invalid_argument);
    }
    const std::vector<std::byte> short_value(2);
    CHECK(backtrace::parse_max_ttl(short_value, ttl) == std::errc::invalid_argument);
    CHECK(ttl == 255);
}

TEST_CASE("a saved backtrace holds the longest header and refuses a longer one") {
    backtrace::saved kept;
    CHECK(kept.empty());
    const auto longest = chain(255, true);
    REQUIRE(longest.size() == backtrace::max_header_size);
    CHECK(kept.keep(longest));
    CHECK(kept.bytes().size() == backtrace::max_header_size);
    CHECK_FALSE(kept.keep(chain(256, true)));
    CHECK(kept.empty());
    CHECK(kept.keep(chain(0, true)));
    kept.clear();
    CHECK(kept.empty());
}

TEST_CASE("random ids have the top bit clear") {
    for (int i = 0; i < 100; ++i) CHECK((backtrace::random_id() & 0x80000000u) == 0);
}
