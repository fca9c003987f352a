#include "aio/fsm.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <vector>

using namespace nanoport::aio;

namespace {

// Records every event it handles and how deeply handle() is nested.
struct recorder : fsm {
    explicit recorder(fsm_ctx& c) : fsm(c) {}

    void handle(int source, int type, worker_op*) override {
        ++depth;
        max_depth = std::max(max_depth, depth);
        log.push_back(source * 100 + type);
        inside_own_ctx.push_back(ctx().inside());
        if (on_event) on_event(source, type);
        --depth;
    }

    int depth = 0;
    int max_depth = 0;
    std::vector<int> log;
    std::vector<bool> inside_own_ctx;
    std::function<void(int, int)> on_event;
};

}  // namespace

TEST_CASE("an fsm raising events on itself is never re-entered and sees them in order") {
    fsm_ctx ctx;
    recorder r(ctx);
    fsm_event first, second;
    r.on_event = [&](int source, int type) {
        if (source == 1 && type == 1) {
            ctx.raise(first, r, 2, 1);
            ctx.raise(second, r, 3, 1);
            // Still inside the first event: nothing was delivered yet.
            CHECK(r.log.size() == 1);
        }
        if (source == 2) {
            // Raising the (now handled) first event again is allowed.
            ctx.raise(first, r, 4, 1);
        }
    };
    ctx.feed(r, 1, 1);
    CHECK(r.max_depth == 1);
    CHECK(r.log == std::vector<int>{101, 201, 301, 401});
    CHECK_FALSE(first.active());
    CHECK_FALSE(second.active());
}

TEST_CASE("an event for another ctx is delivered after the raiser's ctx is left") {
    fsm_ctx ctx_a, ctx_b;
    recorder a(ctx_a), b(ctx_b);
    fsm_event to_b;
    bool a_was_inside_during_b = true;
    a.on_event = [&](int, int) { ctx_a.raise(to_b, b, 7, 2); };
    b.on_event = [&](int, int) { a_was_inside_during_b = ctx_a.inside(); };
    ctx_a.feed(a, 1, 1);
    CHECK(a.log == std::vector<int>{101});
    CHECK(b.log == std::vector<int>{702});
    CHECK_FALSE(a_was_inside_during_b);
    CHECK(b.inside_own_ctx == std::vector<bool>{true});
}

TEST_CASE("a ctx is not entered outside of feed") {
    fsm_ctx ctx;
    recorder r(ctx);
    CHECK_FALSE(ctx.inside());
    ctx.feed(r, 1, 1);
    CHECK_FALSE(ctx.inside());
    CHECK(r.inside_own_ctx == std::vector<bool>{true});
}
