// Counts heap allocations by replacing the global operator new for this whole
// executable, to prove that a steady worker_op loop allocates nothing per op.
#include "aio/worker_op.hpp"

#include <doctest/doctest.h>

#include <asio/post.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <new>
#include <vector>

#include "aio/timer.hpp"
#include "aio/worker.hpp"
#include "support/wait.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace nanoport::aio;
using nanoport::test::notifier;

namespace {

// Two ends of a socketpair on one worker: `writer` sends a 64-byte block,
// `reader` receives it; each restarts itself from its own completion, until
// `rounds` blocks have crossed.
struct ping_loop : fsm {
    ping_loop(fsm_ctx& c, worker& w) : fsm(c), a(w.context()), b(w.context()), write_op(*this, 1), read_op(*this, 2) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        a.assign(asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);
        b.assign(asio::generic::stream_protocol(AF_UNIX, 0), fds[1]);
    }
    void start_round() {
        block = asio::const_buffer(out, sizeof out);
        read_op.start_read(b, in, sizeof in);
        write_op.start_write(a, std::span(&block, 1));
    }
    void handle(int source, int type, worker_op*) override {
        if (type != event::done) {
            failed = true;
            finish();
            return;
        }
        if (source == 2) {
            ++completed;
            if (completed < rounds) read_op.start_read(b, in, sizeof in);
        } else {
            ++written;
            if (written < rounds) write_op.start_write(a, std::span(&block, 1));
        }
        // Done when both sides moved exactly `rounds` blocks: neither op is busy.
        if (completed == rounds && written == rounds) finish();
    }
    void finish() {
        auto lk = s.lock();
        over = true;
        s.notify();
    }
    worker_op::stream a, b;
    worker_op write_op, read_op;
    asio::const_buffer block;
    std::byte out[64] = {};
    std::byte in[64] = {};
    long completed = 0;
    long written = 0;
    long rounds = 0;
    bool failed = false;
    bool over = false;
    notifier s;
};

void run_rounds(worker& w, ping_loop& loop, long rounds) {
    {
        auto lk = loop.s.lock();
        loop.over = false;
    }
    loop.completed = 0;
    loop.written = 0;
    loop.rounds = rounds;
    asio::post(w.context(), [&] {
        loop.ctx().enter();
        loop.start_round();
        loop.ctx().leave();
    });
    REQUIRE(loop.s.wait_for([&] { return loop.over; }));
}

}  // namespace

TEST_CASE("a steady read/write loop allocates nothing per op") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    ping_loop loop(ctx, w);
    // Warm-up: the reactor registers the descriptors and fills its caches.
    run_rounds(w, loop, 1000);
    REQUIRE_FALSE(loop.failed);
    // The one post that starts the loop may allocate; the ops may not.
    const long before = allocations.load();
    run_rounds(w, loop, 20000);
    const long during = allocations.load() - before;
    REQUIRE_FALSE(loop.failed);
    CHECK(loop.completed == 20000);
    CHECK(during <= 2);  // 40,000 ops; at most the starting post and its wake-up
}

TEST_CASE("posting tasks allocates nothing") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    struct counter : fsm {
        using fsm::fsm;
        void handle(int, int, worker_op*) override {
            if (++n % 5000 == 0) {
                auto lk = s.lock();
                s.notify();
            }
        }
        std::atomic<int> n{0};
        notifier s;
    };
    counter c(ctx);
    std::deque<task> tasks;  // tasks never move
    for (int i = 0; i < 5000; ++i) tasks.emplace_back(c, i);
    // First round warms up whatever Asio caches per thread.
    for (auto& t : tasks) w.post(t);
    REQUIRE(c.s.wait_for([&] { return c.n.load() >= 5000; }));
    const long before = allocations.load();
    for (auto& t : tasks) w.post(t);
    REQUIRE(c.s.wait_for([&] { return c.n.load() == 10000; }));
    CHECK(allocations.load() - before == 0);
}
