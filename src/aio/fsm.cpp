#include "aio/fsm.hpp"

namespace nanoport::aio {

namespace {

void append(fsm_event*& head, fsm_event*& tail, fsm_event& ev) {
    ev.next = nullptr;
    if (tail) {
        tail->next = &ev;
    } else {
        head = &ev;
    }
    tail = &ev;
}

fsm_event* pop(fsm_event*& head, fsm_event*& tail) {
    fsm_event* ev = head;
    if (ev) {
        head = ev->next;
        if (!head) tail = nullptr;
        ev->next = nullptr;
    }
    return ev;
}

}  // namespace

ctx_mutex::ctx_mutex() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    pthread_mutex_init(&mutex_, &attr);
    pthread_mutexattr_destroy(&attr);
}

ctx_mutex::~ctx_mutex() { pthread_mutex_destroy(&mutex_); }

void ctx_mutex::lock() noexcept { pthread_mutex_lock(&mutex_); }

void ctx_mutex::unlock() noexcept { pthread_mutex_unlock(&mutex_); }

void fsm_ctx::enter() {
    mutex_.lock();
    owner_thread_ = std::this_thread::get_id();
}

void fsm_ctx::drain_local() {
    while (fsm_event* ev = pop(local_head_, local_tail_)) {
        // Clear the flag first: the handler may raise the same event again.
        ev->queued.store(false, std::memory_order_release);
        ev->target->handle(ev->source, ev->type, nullptr);
    }
}

void fsm_ctx::leave() {
    drain_local();
    fsm_event* remote = remote_head_;
    remote_head_ = remote_tail_ = nullptr;
    owner_thread_ = std::thread::id{};
    mutex_.unlock();

    // Events for other ctxs, delivered with no lock of ours held.
    while (remote) {
        fsm_event* ev = remote;
        remote = ev->next;
        ev->next = nullptr;
        fsm& target = *ev->target;
        const int source = ev->source;
        const int type = ev->type;
        // The flag is cleared inside the target's ctx so that a raiser which
        // checks active() under that ctx sees a consistent value.
        fsm_ctx& other = target.ctx();
        other.enter();
        ev->queued.store(false, std::memory_order_release);
        target.handle(source, type, nullptr);
        other.leave();
    }
}

void fsm_ctx::raise(fsm_event& ev, fsm& target, int source, int type) {
    assert(inside());
    assert(!ev.active() && "an fsm_event may be queued once at a time");
    ev.target = &target;
    ev.source = source;
    ev.type = type;
    ev.queued.store(true, std::memory_order_release);
    if (&target.ctx() == this) {
        append(local_head_, local_tail_, ev);
    } else {
        append(remote_head_, remote_tail_, ev);
    }
}

void fsm_ctx::deliver(fsm& target, int source, int type, worker_op* op) {
    assert(inside());
    target.handle(source, type, op);
}

void fsm_ctx::feed(fsm& target, int source, int type, worker_op* op) {
    enter();
    target.handle(source, type, op);
    leave();
}

}  // namespace nanoport::aio
