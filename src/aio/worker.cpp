#include "aio/worker.hpp"

#include <asio/post.hpp>

#include <condition_variable>
#include <cstdio>

#if defined(ASIO_HAS_IO_URING)
#include <asio/detail/io_uring_service.hpp>
#else
#include <asio/detail/reactor.hpp>
#endif

namespace nanoport::aio {

// The one handler type ever posted to the port by the task queue. It carries
// only the worker and puts its operation into the worker's wake slot.
struct worker::wake_handler {
    worker* self;

    using allocator_type = slot_allocator<void>;
    allocator_type get_allocator() const noexcept { return allocator_type(self->wake_memory_); }

    void operator()() const { self->run_tasks(); }
};

namespace {

// Creates the port's backend now, on the constructing thread, so a failure is
// reported by the constructor with its cause rather than surfacing later inside
// the worker thread.
void open_backend(asio::io_context& context) {
#if defined(ASIO_HAS_IO_URING)
    try {
        asio::use_service<asio::detail::io_uring_service>(context).init_task();
    } catch (const std::system_error& e) {
        throw engine_error(e.code(),
                           "nanoport: cannot start the io_uring completion port (" +
                               std::string(e.what()) +
                               "); io_uring may be disabled by the kernel "
                               "(kernel.io_uring_disabled), blocked by a seccomp "
                               "filter, or limited by RLIMIT_MEMLOCK; rebuild "
                               "without NANOPORT_IO_URING to use epoll");
    }
#else
    // The reactor opens its descriptors (epoll, eventfd, timerfd) when first
    // used. Make that happen here: in a completion handler, running out of
    // descriptors (EMFILE) would throw with a socket's ctx held.
    asio::use_service<asio::detail::reactor>(context);
#endif
}

}  // namespace

const char* worker::backend() noexcept {
#if defined(ASIO_HAS_IO_URING)
    return "io_uring";
#else
    return "epoll";
#endif
}

worker::worker(unsigned index)
    : index_(index), context_(1), keep_running_(asio::make_work_guard(context_)) {
    open_backend(context_);
    std::mutex started_mutex;
    std::unique_lock<std::mutex> started(started_mutex);
    std::condition_variable started_cv;
    bool ready = false;
    thread_ = std::thread([&] {
        {
            // Notify under the lock: once the constructor sees `ready` it
            // returns and destroys started_cv, which must not still be in use.
            std::lock_guard<std::mutex> lock(started_mutex);
            thread_id_ = std::this_thread::get_id();
            ready = true;
            started_cv.notify_one();
        }
        for (;;) {
            // Completion handlers do not throw by contract; should one escape,
            // report it and keep the port running rather than lose the worker.
            try {
                context_.run();
                break;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "nanoport: worker %u: handler threw: %s\n", index_, e.what());
            }
        }
    });
    started_cv.wait(started, [&] { return ready; });
}

worker::~worker() {
    keep_running_.reset();
    context_.stop();
    thread_.join();
}

bool worker::post(task& t) {
    bool need_wake = false;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        if (t.queued_.load(std::memory_order_relaxed)) return false;
        t.queued_.store(true, std::memory_order_release);
        t.next_ = nullptr;
        if (tail_) {
            tail_->next_ = &t;
        } else {
            head_ = &t;
        }
        tail_ = &t;
        if (!wake_pending_) {
            wake_pending_ = true;
            need_wake = true;
        }
    }
    if (need_wake) asio::post(context_, wake_handler{this});
    return true;
}

bool worker::cancel(task& t) {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (!t.queued_.load(std::memory_order_relaxed)) return false;
    task* prev = nullptr;
    for (task* cur = head_; cur; prev = cur, cur = cur->next_) {
        if (cur != &t) continue;
        (prev ? prev->next_ : head_) = cur->next_;
        if (tail_ == cur) tail_ = prev;
        cur->next_ = nullptr;
        cur->queued_.store(false, std::memory_order_release);
        return true;
    }
    return false;
}

void worker::run_tasks() {
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    for (;;) {
        task* t;
        {
            std::lock_guard<std::mutex> lock(queue_mutex_);
            t = head_;
            if (!t) {
                // Queue empty: the next post must wake us again.
                wake_pending_ = false;
                return;
            }
            head_ = t->next_;
            if (!head_) tail_ = nullptr;
            t->next_ = nullptr;
        }
        // Unlinked but still queued(): the owner cannot go before it is fed.
        // The flag is cleared inside the ctx, before the upcall, so the owner
        // may post the task again from its handler. A post() meanwhile finds
        // it queued and is served by this run.
        fsm& owner = *t->owner_;
        const int source = t->source_;
        fsm_ctx& ctx = owner.ctx();
        ctx.enter();
        t->queued_.store(false, std::memory_order_release);
        ctx.deliver(owner, source, event::task);
        ctx.leave();
    }
}

}  // namespace nanoport::aio
