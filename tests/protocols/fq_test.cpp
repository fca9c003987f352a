// Tests of src/protocols/utils/fq.cpp: what fq adds to priolist (receive
// priorities read from the pipe, release when drained, the pipe a message
// came from, robustness against a pipe that breaks its promise).
#include "protocols/utils/fq.hpp"

#include <doctest/doctest.h>

#include "protocols/test_pipe.hpp"

using nanoport::protocols::utils::fq;
using nanoport::test::test_pipe;
using nanoport::test::text_of;

TEST_CASE("fq says which pipe each message came from") {
    fq queue;
    test_pipe a("a"), b("b");
    fq::node na, nb;
    queue.add(na, a);
    queue.add(nb, b);
    if (b.deliver("from b")) queue.readable(nb);
    nanoport::aio::message m;
    nanoport::transport::pipe* from = nullptr;
    REQUIRE_FALSE(queue.receive(m, from));
    CHECK(from == &b);
    CHECK(text_of(m) == "from b");
    queue.remove(na);
    queue.remove(nb);
}

TEST_CASE("fq ranks pipes by their receive priority, not their send priority") {
    fq queue;
    test_pipe preferred("preferred", 16, 2), other("other", 1, 8);
    fq::node n1, n2;
    queue.add(n2, other);
    queue.add(n1, preferred);
    if (other.deliver("other")) queue.readable(n2);
    if (preferred.deliver("preferred")) queue.readable(n1);
    nanoport::aio::message m;
    REQUIRE_FALSE(queue.receive(m));
    CHECK(text_of(m) == "preferred");
    REQUIRE_FALSE(queue.receive(m));
    CHECK(text_of(m) == "other");
    queue.remove(n1);
    queue.remove(n2);
}

TEST_CASE("fq skips a pipe that claimed a message it does not have") {
    fq queue;
    test_pipe liar("liar"), honest("honest");
    fq::node n_liar, n_honest;
    queue.add(n_liar, liar);
    queue.add(n_honest, honest);
    queue.readable(n_liar);  // nothing in its inbox
    if (honest.deliver("real")) queue.readable(n_honest);
    nanoport::aio::message m;
    REQUIRE_FALSE(queue.receive(m));
    CHECK(text_of(m) == "real");
    CHECK_FALSE(queue.can_receive());
    CHECK(queue.receive(m) == std::errc::resource_unavailable_try_again);
    queue.remove(n_liar);
    queue.remove(n_honest);
}
