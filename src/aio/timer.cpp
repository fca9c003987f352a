#include "aio/timer.hpp"

#include <cassert>

namespace nanoport::aio {

struct timer::completion {
    timer* self;
    std::uint32_t generation;

    using allocator_type = slot_allocator<void>;
    allocator_type get_allocator() const noexcept {
        return allocator_type(self->memory_[generation & 1]);
    }

    void operator()(const std::error_code& ec) const { self->on_complete(ec, generation); }
};

timer::timer(worker& w, fsm& owner, int source)
    : timer_(w.context()), owner_(&owner), source_(source) {}

void timer::start(std::chrono::steady_clock::duration after) {
    assert(owner_->ctx().inside());
    ++generation_;
    armed_ = true;
    stop_requested_ = false;
    timer_.expires_after(after);  // cancels a wait in flight; it completes as aborted
    ++in_flight_;
    timer_.async_wait(completion{this, generation_});
}

void timer::stop() {
    assert(owner_->ctx().inside());
    armed_ = false;
    if (in_flight_ > 0) {
        stop_requested_ = true;
        timer_.cancel();
    }
}

void timer::on_complete(const std::error_code& ec, std::uint32_t generation) {
    fsm_ctx& ctx = owner_->ctx();
    ctx.enter();
    --in_flight_;
    if (!ec && armed_ && generation == generation_) {
        armed_ = false;
        ctx.deliver(*owner_, source_, event::timeout);
    } else if (in_flight_ == 0 && stop_requested_) {
        stop_requested_ = false;
        ctx.deliver(*owner_, source_, event::stopped);
    }
    ctx.leave();
}

}  // namespace nanoport::aio
