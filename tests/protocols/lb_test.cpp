// Tests of src/protocols/utils/lb.cpp: what lb adds to priolist (send
// priorities read from the pipe, release on full, the pipe that took a message).
#include "protocols/utils/lb.hpp"

#include <doctest/doctest.h>

#include "protocols/test_pipe.hpp"

using nanoport::protocols::utils::lb;
using nanoport::test::test_pipe;
using nanoport::test::text_message;

TEST_CASE("lb says which pipe took each message") {
    lb balancer;
    test_pipe a("a"), b("b");
    lb::node na, nb;
    balancer.add(na, a);
    balancer.add(nb, b);
    nanoport::transport::pipe* to = nullptr;
    auto m = text_message("one");
    REQUIRE_FALSE(balancer.send(m, to));
    CHECK(to == &a);
    m = text_message("two");
    REQUIRE_FALSE(balancer.send(m, to));
    CHECK(to == &b);
    balancer.remove(na);
    balancer.remove(nb);
}

TEST_CASE("lb ranks pipes by their send priority, not their receive priority") {
    lb balancer;
    test_pipe preferred("preferred", 3, 16), other("other", 8, 1);
    lb::node n1, n2;
    balancer.add(n2, other);
    balancer.add(n1, preferred);
    CHECK(balancer.current_priority() == 3);
    auto m = text_message("x");
    REQUIRE_FALSE(balancer.send(m));
    CHECK(preferred.sent_texts() == std::vector<std::string>{"x"});
    balancer.remove(n1);
    balancer.remove(n2);
}

TEST_CASE("lb with no pipe says try again and leaves the message alone") {
    lb balancer;
    CHECK_FALSE(balancer.can_send());
    auto m = text_message("kept");
    CHECK(balancer.send(m) == std::errc::resource_unavailable_try_again);
    CHECK(nanoport::test::text_of(m) == "kept");
}
