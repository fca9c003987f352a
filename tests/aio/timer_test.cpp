#include "aio/timer.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "support/wait.hpp"

using namespace nanoport::aio;
using namespace std::chrono_literals;
using nanoport::test::notifier;

namespace {

struct timer_owner : fsm {
    timer_owner(fsm_ctx& c, worker& w) : fsm(c), a(w, *this, 1), b(w, *this, 2), c3(w, *this, 3) {}
    void handle(int source, int type, worker_op*) override {
        auto lk = s.lock();
        log.emplace_back(source, type);
        s.notify();
    }
    // Runs f inside the ctx, as an owner's own code would.
    template <typename F>
    void inside(F f) {
        ctx().enter();
        f();
        ctx().leave();
    }
    std::size_t count() {
        auto lk = s.lock();
        return log.size();
    }
    timer a, b, c3;
    notifier s;
    std::vector<std::pair<int, int>> log;
};

}  // namespace

TEST_CASE("timers fire in the order of their deadlines") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    timer_owner o(ctx, w);
    o.inside([&] {
        o.a.start(60ms);
        o.b.start(20ms);
        o.c3.start(40ms);
    });
    REQUIRE(o.s.wait_for([&] { return o.log.size() == 3; }));
    auto lk = o.s.lock();
    CHECK(o.log == std::vector<std::pair<int, int>>{
                       {2, event::timeout}, {3, event::timeout}, {1, event::timeout}});
}

TEST_CASE("a stopped timer never fires and reports stopped once idle") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    timer_owner o(ctx, w);
    o.inside([&] {
        o.a.start(10s);
        o.b.start(30ms);
    });
    o.inside([&] { o.a.stop(); });
    // b's timeout comes after a's stop notice: a was cancelled long before.
    REQUIRE(o.s.wait_for([&] { return o.log.size() == 2; }));
    auto lk = o.s.lock();
    CHECK(o.log == std::vector<std::pair<int, int>>{{1, event::stopped}, {2, event::timeout}});
    CHECK(o.a.idle());
    CHECK_FALSE(o.a.armed());
}

TEST_CASE("restarting a running timer replaces its deadline: one timeout") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    timer_owner o(ctx, w);
    o.inside([&] {
        o.a.start(10s);
        o.a.start(10ms);
        o.b.start(200ms);  // a later marker: by then a must have fired exactly once
    });
    REQUIRE(o.s.wait_for([&] { return o.log.size() == 2; }));
    auto lk = o.s.lock();
    CHECK(o.log == std::vector<std::pair<int, int>>{{1, event::timeout}, {2, event::timeout}});
}

TEST_CASE("stopping an idle timer produces no event") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    timer_owner o(ctx, w);
    o.inside([&] {
        o.a.stop();
        o.b.start(10ms);
    });
    REQUIRE(o.s.wait_for([&] { return o.log.size() == 1; }));
    auto lk = o.s.lock();
    CHECK(o.log == std::vector<std::pair<int, int>>{{2, event::timeout}});
}
