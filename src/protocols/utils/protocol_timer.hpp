// protocol_timer: a timer for a protocol (REQ's resend, SURVEYOR's deadline).
//
// An aio::timer feeds an aio::fsm in the socket's ctx, but a protocol is made
// (by the factory) before its socket has a ctx to give it; so the protocol
// makes one of these in attach(), and it hands the expiry to the protocol's
// on_timer(). After stop(), the cancelled wait still completes through the
// port; when it has, the socket is told (readiness_changed) so that a closing
// socket looks at the protocol's idle() again.
//
// Threads: everything inside the socket's ctx.
#pragma once

#include <chrono>

#include "aio/fsm.hpp"
#include "aio/timer.hpp"
#include "protocols/protocol.hpp"

namespace nanoport::protocols::utils {

class protocol_timer final : private aio::fsm {
public:
    // What the timer calls back, inside the ctx, when it expires.
    class user {
    public:
        virtual void on_timer() = 0;

    protected:
        ~user() = default;
    };

    protocol_timer(protocol_host& host, user& u)
        : aio::fsm(host.ctx()), host_(host), user_(u), timer_(host.timer_worker(), *this, 0) {}

    void start(std::chrono::steady_clock::duration after) { timer_.start(after); }
    // Disarms for good (the socket is closing).
    void stop() {
        stopping_ = true;
        timer_.stop();
    }
    bool armed() const noexcept { return timer_.armed(); }
    bool idle() const noexcept { return timer_.idle(); }

private:
    void handle(int, int type, aio::worker_op*) override {
        switch (type) {
            case aio::event::timeout:
                user_.on_timer();
                return;
            case aio::event::stopped:
                if (stopping_) host_.readiness_changed();
                return;
        }
    }

    protocol_host& host_;
    user& user_;
    aio::timer timer_;
    bool stopping_ = false;
};

}  // namespace nanoport::protocols::utils
