#include "aio/worker.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "support/wait.hpp"

using namespace nanoport::aio;
using nanoport::test::notifier;

namespace {

// An owner that checks its tasks arrive in the order they were posted.
struct ordered_owner : fsm {
    explicit ordered_owner(fsm_ctx& c) : fsm(c) {}

    void handle(int source, int type, worker_op*) override {
        if (type != event::task) {
            wrong_type = true;
            return;
        }
        if (source != next) out_of_order = true;
        next = source + 1;
        if (++received == expected) {
            auto lk = done.lock();
            finished = true;
            done.notify();
        }
    }

    int next = 0;
    int received = 0;
    int expected = 0;
    bool out_of_order = false;
    bool wrong_type = false;
    bool finished = false;
    notifier done;
};

// An owner whose handler can be made to block, to hold the worker busy.
struct blocking_owner : fsm {
    explicit blocking_owner(fsm_ctx& c) : fsm(c) {}
    void handle(int, int, worker_op*) override {
        {
            auto lk = gate.lock();
            entered = true;
        }
        gate.notify();
        gate.wait_for([&] { return released; });
        ++count;
    }
    notifier gate;
    bool entered = false;
    bool released = false;
    std::atomic<int> count{0};
};

struct counting_owner : fsm {
    explicit counting_owner(fsm_ctx& c) : fsm(c) {}
    void handle(int, int, worker_op*) override {
        if (++count == expected) {
            auto lk = done.lock();
            done.notify();
        }
    }
    std::atomic<int> count{0};
    int expected = 0;
    notifier done;
};

}  // namespace

TEST_CASE("8 threads posting 100k tasks each: all delivered, per-owner order kept") {
    constexpr int threads = 8;
    constexpr int per_thread = 100000;
    std::vector<std::unique_ptr<fsm_ctx>> ctxs;
    std::vector<std::unique_ptr<ordered_owner>> owners;
    std::vector<std::vector<std::unique_ptr<task>>> tasks(threads);
    for (int t = 0; t < threads; ++t) {
        ctxs.push_back(std::make_unique<fsm_ctx>());
        owners.push_back(std::make_unique<ordered_owner>(*ctxs.back()));
        owners.back()->expected = per_thread;
        tasks[t].reserve(per_thread);
        for (int i = 0; i < per_thread; ++i) {
            tasks[t].push_back(std::make_unique<task>(*owners.back(), i));
        }
    }
    // Declared after what its thread touches, so it is joined before they go.
    worker w(0);
    std::vector<std::thread> posters;
    for (int t = 0; t < threads; ++t) {
        posters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) CHECK(w.post(*tasks[t][i]));
        });
    }
    for (auto& p : posters) p.join();
    for (auto& o : owners) {
        REQUIRE(o->done.wait_for([&] { return o->finished; }, std::chrono::seconds(60)));
        CHECK(o->received == per_thread);
        CHECK_FALSE(o->out_of_order);
        CHECK_FALSE(o->wrong_type);
    }
    // Far fewer wake-ups than tasks: one per burst, not one per post.
    CHECK(w.wakeups() < static_cast<std::uint64_t>(threads) * per_thread);
}

TEST_CASE("a burst of posts while the worker is busy costs at most one more wake-up") {
    fsm_ctx block_ctx;
    blocking_owner blocker(block_ctx);
    task block_task(blocker, 0);
    fsm_ctx ctx;
    counting_owner owner(ctx);
    owner.expected = 1000;
    std::vector<std::unique_ptr<task>> burst;
    for (int i = 0; i < 1000; ++i) burst.push_back(std::make_unique<task>(owner, i));
    worker w(0);  // joined first: its thread may still be leaving ctx

    w.post(block_task);
    REQUIRE(blocker.gate.wait_for([&] { return blocker.entered; }));
    const auto before = w.wakeups();
    for (auto& t : burst) w.post(*t);
    {
        auto lk = blocker.gate.lock();
        blocker.released = true;
    }
    blocker.gate.notify();
    REQUIRE(owner.done.wait_for([&] { return owner.count.load() == 1000; }));
    // The tasks posted during the busy handler joined the running drain.
    CHECK(w.wakeups() - before <= 1);
}

TEST_CASE("posting a task that is still queued coalesces into one run") {
    fsm_ctx block_ctx;
    blocking_owner blocker(block_ctx);
    task block_task(blocker, 0);
    fsm_ctx ctx;
    counting_owner owner(ctx);
    owner.expected = 1;
    task kick(owner, 1);
    worker w(0);  // joined first: its thread may still be leaving ctx

    w.post(block_task);
    REQUIRE(blocker.gate.wait_for([&] { return blocker.entered; }));
    CHECK(w.post(kick));
    CHECK_FALSE(w.post(kick));
    CHECK(kick.queued());
    {
        auto lk = blocker.gate.lock();
        blocker.released = true;
    }
    blocker.gate.notify();
    REQUIRE(owner.done.wait_for([&] { return owner.count.load() == 1; }));
    // A second drain of the worker proves nothing else was pending for owner.
    w.post(block_task);
    REQUIRE(blocker.gate.wait_for([&] { return blocker.count.load() == 2; }));
    CHECK(owner.count.load() == 1);
}

TEST_CASE("a cancelled task never runs") {
    fsm_ctx block_ctx;
    blocking_owner blocker(block_ctx);
    task block_task(blocker, 0);
    fsm_ctx ctx;
    counting_owner owner(ctx);
    task victim(owner, 1);
    worker w(0);  // joined first: its thread may still be leaving block_ctx

    w.post(block_task);
    REQUIRE(blocker.gate.wait_for([&] { return blocker.entered; }));
    w.post(victim);
    CHECK(w.cancel(victim));
    CHECK_FALSE(victim.queued());
    CHECK_FALSE(w.cancel(victim));
    {
        auto lk = blocker.gate.lock();
        blocker.released = true;
    }
    blocker.gate.notify();
    w.post(block_task);
    REQUIRE(blocker.gate.wait_for([&] { return blocker.count.load() == 2; }));
    CHECK(owner.count.load() == 0);
}

TEST_CASE("a task the worker has taken stays queued until its owner is fed") {
    fsm_ctx ctx;
    counting_owner owner(ctx);
    owner.expected = 1;
    task t(owner, 1);
    worker w(0);  // joined first: its thread may still be leaving ctx

    // The owner is busy (its ctx held), so a worker that takes t must wait
    // for the ctx. Re-post until the worker has unlinked t: cancel() no
    // longer finds it in the queue.
    ctx.enter();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool taken = false;
    while (!taken && std::chrono::steady_clock::now() < deadline) {
        w.post(t);
        taken = !w.cancel(t);
    }
    // An owner checking queued() inside its ctx must not be told the worker
    // is done with t while the worker is about to feed it.
    const bool queued_while_taken = t.queued();
    ctx.leave();
    REQUIRE(taken);
    CHECK(queued_while_taken);
    REQUIRE(owner.done.wait_for([&] { return owner.count.load() == 1; }));
    CHECK_FALSE(t.queued());
}

TEST_CASE("tasks run on the worker's own thread") {
    struct probe : fsm {
        explicit probe(fsm_ctx& c) : fsm(c) {}
        void handle(int, int, worker_op*) override {
            auto lk = s.lock();
            on_worker = w_->on_thread();
            ran = true;
            s.notify();
        }
        worker* w_ = nullptr;
        notifier s;
        bool on_worker = false;
        bool ran = false;
    };
    fsm_ctx ctx;
    probe p(ctx);
    task t(p, 0);
    worker w(3);  // joined first: its thread may still be leaving ctx
    p.w_ = &w;
    CHECK_FALSE(w.on_thread());
    w.post(t);
    REQUIRE(p.s.wait_for([&] { return p.ran; }));
    CHECK(p.on_worker);
    CHECK(w.index() == 3);
}
