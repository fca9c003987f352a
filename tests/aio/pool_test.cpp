#include "aio/pool.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

using namespace nanoport::aio;

TEST_CASE("pool assignment spreads objects evenly over workers") {
    pool p(4);
    REQUIRE(p.size() == 4);
    std::map<unsigned, int> per_worker;
    for (int i = 0; i < 12; ++i) ++per_worker[p.choose_worker().index()];
    CHECK(per_worker.size() == 4);
    for (auto& [index, count] : per_worker) CHECK(count == 3);
    for (unsigned i = 0; i < 4; ++i) CHECK(p.at(i).load() == 3);
}

TEST_CASE("pool sends a new object to the least-loaded worker") {
    pool p(3);
    worker& a = p.choose_worker();
    worker& b = p.choose_worker();
    worker& c = p.choose_worker();
    CHECK(&a != &b);
    CHECK(&b != &c);
    CHECK(&a != &c);
    p.choose_worker();
    p.choose_worker();
    p.choose_worker();  // every worker now carries 2
    pool::release(b);   // b carries 1: the next two binds must not both skip it
    CHECK(&p.choose_worker() == &b);
    CHECK(b.load() == 2);
}

TEST_CASE("a pool of zero workers is made with one") {
    pool p(0);
    CHECK(p.size() == 1);
}

TEST_CASE("NANOPORT_WORKERS sets the default pool size before first use") {
    // The default pool is not started by this test executable.
    setenv("NANOPORT_WORKERS", "3", 1);
    CHECK(pool::default_size() == 3);
    setenv("NANOPORT_WORKERS", "not-a-number", 1);
    CHECK(pool::default_size() >= 1);
    CHECK(pool::set_default_size(5));
    CHECK(pool::default_size() == 5);
    pool& d = pool::default_pool();
    CHECK(d.size() == 5);
    CHECK(&pool::default_pool() == &d);
    // Once started, the size can no longer change.
    CHECK_FALSE(pool::set_default_size(2));
    CHECK(pool::default_size() == 5);
    unsetenv("NANOPORT_WORKERS");
}
