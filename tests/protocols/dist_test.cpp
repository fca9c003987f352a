#include "protocols/utils/dist.hpp"

#include <doctest/doctest.h>

#include "protocols/test_pipe.hpp"

using namespace nanoport;
using protocols::utils::dist;

TEST_CASE("dist gives every writable pipe the message, sharing one body") {
    dist d;
    test::test_pipe a("a"), b("b"), c("c");
    dist::node na, nb, nc;
    d.add(na, a);
    d.add(nb, b);
    d.add(nc, c);
    const aio::message m = aio::message::copy_of(std::as_bytes(std::span<const char>("hello", 5)));
    const auto r = d.send(m);
    CHECK(r.delivered == 3);
    CHECK(r.dropped == 0);
    for (auto* p : {&a, &b, &c}) {
        REQUIRE(p->sent.size() == 1);
        CHECK(p->sent.front().body().data() == m.body().data());
    }
}

TEST_CASE("dist drops and counts for a full pipe until it is writable again") {
    dist d;
    test::test_pipe a("a"), b("b", 8, 8, 1);  // b takes one message, then reports full
    dist::node na, nb;
    d.add(na, a);
    d.add(nb, b);
    const aio::message m = aio::message::copy_of(std::as_bytes(std::span<const char>("x", 1)));
    CHECK(d.send(m).delivered == 2);
    const auto second = d.send(m);
    CHECK(second.delivered == 1);
    CHECK(second.dropped == 1);
    CHECK(nb.dropped == 1);
    CHECK(b.sent.size() == 1);
    CHECK(b.make_room());
    d.writable(nb);
    CHECK(d.send(m).delivered == 2);
    CHECK(b.sent.size() == 1);
}

TEST_CASE("dist skips the excepted pipe and forgets removed ones") {
    dist d;
    test::test_pipe a("a"), b("b");
    dist::node na, nb;
    d.add(na, a);
    d.add(nb, b);
    const aio::message m = aio::message::copy_of(std::as_bytes(std::span<const char>("y", 1)));
    CHECK(d.send(m, &a).delivered == 1);
    CHECK(a.sent.empty());
    d.remove(nb);
    CHECK(d.size() == 1);
    CHECK(d.send(m).delivered == 1);
    CHECK(b.sent.size() == 1);  // only the earlier one
    d.remove(nb);  // removing twice is harmless
    CHECK(d.size() == 1);
}
