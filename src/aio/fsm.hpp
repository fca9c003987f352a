// fsm and fsm_ctx: the state-machine plumbing every owner in nanoport sits on.
//
// An owner (a pipe, an endpoint, a socket) derives from fsm and implements
// handle(source, type, op). Events reach it three ways: a worker_op completes
// (type done or error, op set), a task or timer fires (type task / timeout /
// stopped), or another state machine raises an fsm_event at it.
//
// An fsm_ctx serialises the events of the owners that share it: handle() is
// only ever called with the ctx entered (its lock held), and it is never
// re-entered. An event raised while inside a ctx is queued, and the queue is
// drained before the ctx is left; an event aimed at an owner of another ctx is
// delivered after this ctx's lock is released, so no thread ever holds two ctx
// locks (no lock-order deadlocks).
//
// Threads: any thread may feed(); handle() runs on whichever thread fed, one at
// a time per ctx.
#pragma once

#include <atomic>
#include <cassert>
#include <pthread.h>

#include <mutex>
#include <thread>

namespace nanoport::aio {

class fsm;
class worker_op;

// Event types the engine itself produces. Owners use positive numbers for the
// events they raise at each other.
namespace event {
inline constexpr int done = -1;     // a worker_op moved every byte it was asked to
inline constexpr int error = -2;    // a worker_op failed; op->error() says why
inline constexpr int task = -3;     // a posted task ran on the owner's worker
inline constexpr int timeout = -4;  // a timer expired
inline constexpr int stopped = -5;  // a cancelled timer is idle again
}  // namespace event

// An event one state machine raises at another. It lives inside the raiser (no
// allocation) and may be queued once at a time.
struct fsm_event {
    fsm* target = nullptr;
    int source = 0;
    int type = 0;
    fsm_event* next = nullptr;
    // Set by raise(), cleared just before the target handles it. Atomic because
    // an event aimed at another ctx is cleared under that ctx, not the raiser's.
    std::atomic<bool> queued{false};

    // True while raised and not yet handled: raising it again would be a bug.
    bool active() const noexcept { return queued.load(std::memory_order_acquire); }
};

// The ctx lock. Its critical sections are short (a send or receive, one
// completion), and it is contended mostly between a user thread and a worker
// running at once: it spins briefly before sleeping (glibc's adaptive mutex),
// which saves the futex calls and context switches of a plain mutex there.
class ctx_mutex {
public:
    ctx_mutex() noexcept;
    ~ctx_mutex();
    ctx_mutex(const ctx_mutex&) = delete;
    ctx_mutex& operator=(const ctx_mutex&) = delete;
    void lock() noexcept;
    void unlock() noexcept;

private:
    pthread_mutex_t mutex_;
};

class fsm_ctx {
public:
    fsm_ctx() = default;
    fsm_ctx(const fsm_ctx&) = delete;
    fsm_ctx& operator=(const fsm_ctx&) = delete;

    // Locks the ctx. Pair every enter() with a leave().
    void enter();
    // Delivers every event queued while inside, then unlocks and delivers the
    // events aimed at other ctxs.
    void leave();

    // Queues ev for ev.target. Must be called inside this ctx.
    void raise(fsm_event& ev, fsm& target, int source, int type);

    // Enters, hands one event to target, leaves. The entry point for worker
    // completions, tasks and timers.
    void feed(fsm& target, int source, int type, worker_op* op = nullptr);

    // Hands one event to target. Must be called inside this ctx; for engine
    // parts (timer) that enter the ctx themselves to decide what to deliver.
    void deliver(fsm& target, int source, int type, worker_op* op = nullptr);

    // True when the calling thread is inside this ctx (for assertions).
    bool inside() const noexcept { return owner_thread_ == std::this_thread::get_id(); }

private:
    void drain_local();

    ctx_mutex mutex_;
    std::thread::id owner_thread_{};
    fsm_event* local_head_ = nullptr;
    fsm_event* local_tail_ = nullptr;
    fsm_event* remote_head_ = nullptr;
    fsm_event* remote_tail_ = nullptr;
};

class fsm {
public:
    explicit fsm(fsm_ctx& ctx) noexcept : ctx_(&ctx) {}
    fsm(const fsm&) = delete;
    fsm& operator=(const fsm&) = delete;

    fsm_ctx& ctx() const noexcept { return *ctx_; }

protected:
    ~fsm() = default;

    // One event. Called inside ctx(), never re-entered. op is the completed
    // worker_op for done/error events and null otherwise.
    virtual void handle(int source, int type, worker_op* op) = 0;

private:
    friend class fsm_ctx;
    fsm_ctx* ctx_;
};

}  // namespace nanoport::aio
