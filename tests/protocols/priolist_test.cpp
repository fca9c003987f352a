// Tests of src/protocols/utils/priolist.cpp: priority slots and round robin.
#include "protocols/utils/priolist.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocols/test_pipe.hpp"

using nanoport::protocols::utils::priolist;
using nanoport::protocols::utils::priolist_node;
using nanoport::test::test_pipe;

namespace {

// Names of the next n pipes current() gives, advancing (without release) after each.
std::vector<std::string> take_turns(priolist& list, int n) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) {
        auto* p = list.current();
        if (!p) break;
        names.push_back(p->describe());
        list.advance(false);
    }
    return names;
}

}  // namespace

TEST_CASE("a new priolist has no current pipe") {
    priolist list;
    CHECK(list.empty());
    CHECK(list.current() == nullptr);
    CHECK(list.current_priority() == 0);
}

TEST_CASE("an added pipe is not current until it is activated") {
    priolist list;
    test_pipe a("a");
    priolist_node na;
    list.add(na, a, 8);
    CHECK(list.current() == nullptr);
    CHECK_FALSE(na.active());
    list.activate(na);
    CHECK(na.active());
    CHECK(list.current() == &a);
    CHECK(list.current_priority() == 8);
    list.remove(na);
}

TEST_CASE("priolist serves the active pipes of one priority in strict round robin") {
    priolist list;
    test_pipe a("a"), b("b"), c("c");
    priolist_node na, nb, nc;
    list.add(na, a, 8);
    list.add(nb, b, 8);
    list.add(nc, c, 8);
    list.activate(na);
    list.activate(nb);
    list.activate(nc);
    CHECK(take_turns(list, 7) == std::vector<std::string>{"a", "b", "c", "a", "b", "c", "a"});
    list.remove(na);
    list.remove(nb);
    list.remove(nc);
}

TEST_CASE("priolist prefers the lowest priority number that has an active pipe") {
    priolist list;
    test_pipe worse("worse"), better("better"), best("best");
    priolist_node n_worse, n_better, n_best;
    list.add(n_worse, worse, 12);
    list.add(n_better, better, 4);
    list.add(n_best, best, 1);
    list.activate(n_worse);
    CHECK(list.current() == &worse);
    list.activate(n_better);
    CHECK(list.current() == &better);
    CHECK(list.current_priority() == 4);
    list.activate(n_best);
    CHECK(take_turns(list, 3) == std::vector<std::string>{"best", "best", "best"});
    list.remove(n_worse);
    list.remove(n_better);
    list.remove(n_best);
}

TEST_CASE("priolist falls back to a worse priority when the better one empties, and returns when it refills") {
    priolist list;
    test_pipe a("a"), b("b"), c("c");
    priolist_node na, nb, nc;
    list.add(na, a, 2);
    list.add(nb, b, 2);
    list.add(nc, c, 9);
    list.activate(na);
    list.activate(nb);
    list.activate(nc);
    CHECK(list.current() == &a);
    list.advance(true);  // a is full
    CHECK(list.current() == &b);
    list.advance(true);  // b is full
    CHECK(list.current() == &c);
    CHECK(list.current_priority() == 9);
    list.advance(false);
    CHECK(list.current() == &c);
    list.activate(nb);  // b has room again
    CHECK(list.current() == &b);
    list.remove(na);
    list.remove(nb);
    list.remove(nc);
}

TEST_CASE("advance with release takes the current pipe out of the round") {
    priolist list;
    test_pipe a("a"), b("b");
    priolist_node na, nb;
    list.add(na, a, 8);
    list.add(nb, b, 8);
    list.activate(na);
    list.activate(nb);
    list.advance(true);
    CHECK_FALSE(na.active());
    CHECK(take_turns(list, 3) == std::vector<std::string>{"b", "b", "b"});
    list.advance(true);
    CHECK(list.empty());
    CHECK(list.current() == nullptr);
    list.remove(na);
    list.remove(nb);
}

TEST_CASE("removing the current pipe hands the turn to the next one") {
    priolist list;
    test_pipe a("a"), b("b"), c("c");
    priolist_node na, nb, nc;
    list.add(na, a, 8);
    list.add(nb, b, 8);
    list.add(nc, c, 8);
    list.activate(na);
    list.activate(nb);
    list.activate(nc);
    list.advance(false);  // b's turn
    list.remove(nb);
    CHECK(nb.pipe() == nullptr);
    CHECK(take_turns(list, 4) == std::vector<std::string>{"c", "a", "c", "a"});
    list.remove(na);
    list.remove(nc);
    CHECK(list.empty());
}

TEST_CASE("a reactivated pipe joins the back of the round") {
    priolist list;
    test_pipe a("a"), b("b"), c("c");
    priolist_node na, nb, nc;
    list.add(na, a, 8);
    list.add(nb, b, 8);
    list.add(nc, c, 8);
    list.activate(na);
    list.activate(nb);
    list.activate(nc);
    list.advance(true);  // a used and full: b, c remain
    list.activate(na);   // a has room: behind c, who has waited longer
    CHECK(take_turns(list, 6) == std::vector<std::string>{"b", "c", "a", "b", "c", "a"});
    list.remove(na);
    list.remove(nb);
    list.remove(nc);
}

TEST_CASE("removing an inactive pipe or activating an active one changes nothing") {
    priolist list;
    test_pipe a("a"), b("b");
    priolist_node na, nb;
    list.add(na, a, 8);
    list.add(nb, b, 8);
    list.activate(na);
    list.activate(na);
    list.remove(nb);  // never active
    CHECK(take_turns(list, 2) == std::vector<std::string>{"a", "a"});
    list.activate(nb);  // removed: no longer belongs to the list
    CHECK(take_turns(list, 2) == std::vector<std::string>{"a", "a"});
    list.remove(na);
    CHECK(list.empty());
}

TEST_CASE("priorities outside 1..16 are clamped into it") {
    priolist list;
    test_pipe low("low"), high("high");
    priolist_node n_low, n_high;
    list.add(n_low, low, 0);
    list.add(n_high, high, 99);
    CHECK(n_low.priority() == 1);
    CHECK(n_high.priority() == 16);
    list.activate(n_high);
    CHECK(list.current_priority() == 16);
    list.activate(n_low);
    CHECK(list.current() == &low);
    list.remove(n_low);
    list.remove(n_high);
}

TEST_CASE("all sixteen priorities are served best first") {
    priolist list;
    std::vector<std::unique_ptr<test_pipe>> pipes;
    std::vector<std::unique_ptr<priolist_node>> nodes;
    for (int prio = 16; prio >= 1; --prio) {
        pipes.push_back(std::make_unique<test_pipe>("p" + std::to_string(prio)));
        nodes.push_back(std::make_unique<priolist_node>());
        list.add(*nodes.back(), *pipes.back(), prio);
        list.activate(*nodes.back());
    }
    for (int prio = 1; prio <= 16; ++prio) {
        REQUIRE(list.current() != nullptr);
        CHECK(list.current()->describe() == "p" + std::to_string(prio));
        list.advance(true);
    }
    CHECK(list.empty());
    for (auto& n : nodes) list.remove(*n);
}
