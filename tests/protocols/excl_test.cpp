// Tests of src/protocols/utils/excl.cpp: one pipe at a time.
#include "protocols/utils/excl.hpp"

#include <doctest/doctest.h>

#include "protocols/test_pipe.hpp"

using nanoport::protocols::utils::excl;
using nanoport::test::test_pipe;
using nanoport::test::text_message;
using nanoport::test::text_of;

TEST_CASE("excl refuses a second pipe with already_connected and ignores it afterwards") {
    excl one;
    test_pipe first("first"), second("second");
    REQUIRE_FALSE(one.add(first));
    CHECK(one.add(second) == std::errc::already_connected);
    second.deliver("ignored");
    one.readable(second);
    one.writable(second);
    one.remove(second);
    CHECK(one.current() == &first);
    CHECK(one.can_send());
    CHECK_FALSE(one.can_receive());
}

TEST_CASE("excl tracks its pipe's readability and writability exactly") {
    excl one;
    test_pipe p("p", 8, 8, 1);
    CHECK_FALSE(one.can_send());
    REQUIRE_FALSE(one.add(p));
    CHECK(one.can_send());
    auto m = text_message("x");
    REQUIRE_FALSE(one.send(m));
    CHECK_FALSE(one.can_send());  // capacity 1: full
    if (p.make_room()) one.writable(p);
    CHECK(one.can_send());
    if (p.deliver("a")) one.readable(p);
    p.deliver("b");
    CHECK(one.can_receive());
    REQUIRE_FALSE(one.receive(m));
    CHECK(text_of(m) == "a");
    CHECK(one.can_receive());
    REQUIRE_FALSE(one.receive(m));
    CHECK(text_of(m) == "b");
    CHECK_FALSE(one.can_receive());
    one.remove(p);
    CHECK(one.current() == nullptr);
    CHECK_FALSE(one.can_send());
}
