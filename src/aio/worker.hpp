// worker: one thread that owns one completion port. The port is an
// asio::io_context run by that thread alone (concurrency hint 1): an IOCP on
// Windows, Asio's epoll reactor on Linux, or an io_uring ring when built with
// NANOPORT_IO_URING. Every object bound to a worker starts and completes its
// I/O on the worker's thread, so no two threads race on one OS handle.
//
// task: nanomsg's nn_worker_task. An event posted to an owner on a worker from
// any thread; it lives inside the owner (no allocation). Posting takes the
// worker's queue lock briefly and wakes the worker's thread at most once per
// burst: only the post that finds the queue idle asks the port for a wake-up,
// and that wake-up's operation lives in the worker (no allocation either).
//
// Threads: post()/cancel() from any thread. context() is for starting I/O
// objects that belong to this worker. The thread runs from construction until
// destruction.
#pragma once

#include <asio/io_context.hpp>
#include <asio/executor_work_guard.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "aio/fsm.hpp"
#include "aio/handler_memory.hpp"

namespace nanoport::aio {

class worker;

class task {
public:
    task(fsm& owner, int source) noexcept : owner_(&owner), source_(source) {}
    task(const task&) = delete;
    task& operator=(const task&) = delete;

    // True from post() until the owner is fed, or until cancel() unlinks it.
    // Set under the worker's lock; cleared inside the owner's ctx just before
    // the owner is fed (like worker_op::idle()), so an owner that sees it
    // false inside its ctx knows the worker no longer refers to the task and
    // may go. Cleared at dequeue instead, there would be a window (the worker
    // waiting for the ctx) in which the owner could be freed under it.
    bool queued() const noexcept { return queued_.load(std::memory_order_acquire); }

private:
    friend class worker;
    fsm* owner_;
    int source_;
    task* next_ = nullptr;
    std::atomic<bool> queued_{false};
};

// Thrown when a worker's completion port cannot be created (for example an
// io_uring build on a kernel or sandbox that refuses io_uring).
class engine_error : public std::system_error {
public:
    using std::system_error::system_error;
};

class worker {
public:
    // Starts the thread. Throws engine_error when the port cannot be created.
    explicit worker(unsigned index);
    ~worker();  // stops and joins; objects bound to it must be gone by then
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    asio::io_context& context() noexcept { return context_; }
    unsigned index() const noexcept { return index_; }

    // Queues t; on the worker's thread its owner is fed (source, event::task)
    // inside the owner's ctx. Posting a task that is already queued does
    // nothing and returns false (the pending run will serve both), so a
    // "kick" can be posted freely.
    bool post(task& t);
    // Unlinks t if it is still in the queue; returns whether it was. False
    // also when the worker has already taken t: then its owner is still fed,
    // and queued() stays true until it is.
    bool cancel(task& t);

    // True on this worker's own thread.
    bool on_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }

    // Number of objects bound to this worker (pool's load balancing).
    unsigned load() const noexcept { return load_.load(std::memory_order_relaxed); }

    // Number of wake-ups the port has had to deliver (tests: at most one per burst).
    std::uint64_t wakeups() const noexcept { return wakeups_.load(std::memory_order_relaxed); }

    // Name of the completion-port mechanism compiled in: "epoll" or "io_uring".
    static const char* backend() noexcept;

private:
    friend class pool;
    struct wake_handler;

    void run_tasks();

    unsigned index_;
    asio::io_context context_;
    asio::executor_work_guard<asio::io_context::executor_type> keep_running_;

    std::mutex queue_mutex_;
    task* head_ = nullptr;       // guarded by queue_mutex_
    task* tail_ = nullptr;       // guarded by queue_mutex_
    bool wake_pending_ = false;  // guarded by queue_mutex_
    handler_slot wake_memory_;   // holds the one outstanding wake-up

    std::atomic<unsigned> load_{0};          // written by any thread through pool
    std::atomic<std::uint64_t> wakeups_{0};  // written by the worker thread
    std::thread::id thread_id_;
    std::thread thread_;
};

}  // namespace nanoport::aio
