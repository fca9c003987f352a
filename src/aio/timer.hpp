// timer: a one-shot deadline on a worker, embedded in its owner. When it
// expires the owner is fed (source, event::timeout). Asio steady timers do the
// waiting inside the worker's completion port, so timers are serviced by the
// same loop as I/O.
//
// start() re-arms a running timer; stop() disarms it. A wait that was in flight
// when stop() was called still completes through the port; when the last one
// has, the owner is fed (source, event::stopped) and idle() is true again.
// Only waits from the current start() can produce a timeout: a stale expiry
// that raced with a restart is swallowed.
//
// Threads: start()/stop()/idle() from any thread, inside the owner's ctx.
// Events arrive on the worker's thread, inside the owner's ctx.
#pragma once

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>

#include "aio/fsm.hpp"
#include "aio/handler_memory.hpp"
#include "aio/worker.hpp"

namespace nanoport::aio {

class timer {
public:
    timer(worker& w, fsm& owner, int source);
    timer(const timer&) = delete;
    timer& operator=(const timer&) = delete;

    void start(std::chrono::steady_clock::duration after);
    void stop();

    bool armed() const noexcept { return armed_; }
    bool idle() const noexcept { return in_flight_ == 0; }

private:
    struct completion;
    void on_complete(const std::error_code& ec, std::uint32_t generation);

    asio::steady_timer timer_;
    fsm* owner_;
    int source_;
    // All guarded by the owner's ctx.
    std::uint32_t generation_ = 0;
    unsigned in_flight_ = 0;
    bool armed_ = false;
    bool stop_requested_ = false;
    // Two slots: a cancelled wait may still be in flight when the next starts.
    handler_slot memory_[2];
};

}  // namespace nanoport::aio
