// req: cooked REQ; see req.hpp for the rules and the states.
#include "protocols/reqrep/req.hpp"

#include <chrono>
#include <utility>

#include "nanoport/error.hpp"
#include "nanomsg/reqrep.h"
#include "protocols/utils/backtrace.hpp"

namespace nanoport::protocols {

namespace backtrace = utils::backtrace;

req::req() : next_id_(backtrace::random_id()) {}

// Out of line: protocol_timer is complete here.
req::~req() = default;

void req::attach(protocol_host& host) {
    host_ = &host;
    clock_ = std::make_unique<utils::protocol_timer>(host, static_cast<utils::protocol_timer::user&>(*this));
}

void req::stop() {
    stopping_ = true;
    if (clock_) clock_->stop();
}

bool req::idle() const { return !clock_ || clock_->idle(); }

void req::arm_resend() {
    if (!clock_ || stopping_) return;
    const auto interval = std::chrono::milliseconds(resend_interval_ms_);
    resend_at_ = std::chrono::steady_clock::now() + interval;
    // Lazy: a wait that fires no later than resend_at_ stays; when it fires
    // it resends or waits for the rest (on_resend_timeout). So a REQ doing
    // request after request touches its timer once per interval, not twice
    // per request. Only a wait that would fire too late (the interval was
    // shortened) is moved.
    if (clock_->armed() && timer_expiry_ <= resend_at_) return;
    timer_expiry_ = resend_at_;
    clock_->start(interval);
}

std::error_code req::add(transport::pipe& p) {
    if (std::error_code ec = xreq::add(p)) return ec;
    if (state_ == state::delayed) transmit();
    return {};
}

void req::remove(transport::pipe& p) {
    xreq::remove(p);
    // The request may have died with the pipe: send it again elsewhere now
    // rather than wait out the resend interval.
    if (state_ == state::active && sent_to_ == &p) transmit();
}

void req::readable(transport::pipe& p) {
    xreq::readable(p);
    collect_replies();
}

void req::writable(transport::pipe& p) {
    xreq::writable(p);
    if (state_ == state::delayed) transmit();
}

std::error_code req::send(aio::message& m) {
    // Whatever was outstanding is cancelled: its reply, read or not, is
    // dropped from now on (the ids differ).
    if (state_ == state::done) count_dropped();
    reply_ = aio::message();
    request_id_ = next_id_ | backtrace::last_word_bit;
    next_id_ = (next_id_ + 1) & backtrace::id_mask;
    m.clear_header();
    m.push_header_word(request_id_);
    request_ = std::move(m);
    transmit();
    return {};
}

void req::transmit() {
    sent_to_ = nullptr;
    if (!xreq::can_send()) {
        // Waits for add() or writable(); the resend clock starts once it is
        // out (a wait still armed finds nothing to do).
        state_ = state::delayed;
        return;
    }
    aio::message copy = request_;  // shares the body; request_ stays for resends
    transport::pipe* to = nullptr;
    (void)xreq::send_request(copy, to);  // cannot fail: a pipe is writable
    sent_to_ = to;
    state_ = state::active;
    arm_resend();
}

void req::collect_replies() {
    // Drains every pipe that has something: a reply that does not match is
    // useless now and later (the next request has a new id). Bounded: pipes
    // cannot refill while we hold the socket's ctx.
    aio::message m;
    while (!xreq::receive(m)) {
        const bool awaited = state_ == state::active || state_ == state::delayed;
        const auto header = m.header();
        if (awaited && header.size() == backtrace::word_size &&
            backtrace::read_word(header) == request_id_) {
            reply_ = std::move(m);
            request_ = aio::message();
            sent_to_ = nullptr;
            state_ = state::done;  // a wait still armed finds nothing to do
        } else {
            count_dropped();
        }
    }
}

void req::on_resend_timeout() {
    if (state_ != state::active || stopping_) return;  // the timer rests
    const auto now = std::chrono::steady_clock::now();
    if (now >= resend_at_) {
        transmit();  // arms the next interval
        return;
    }
    // Armed for an earlier request: wait for the rest of this one's interval.
    timer_expiry_ = resend_at_;
    clock_->start(resend_at_ - now);
}

std::error_code req::receive(aio::message& m) {
    switch (state_) {
        case state::done:
            m = std::move(reply_);
            m.clear_header();
            state_ = state::idle;
            return {};
        case state::delayed:
        case state::active:
            return std::make_error_code(std::errc::resource_unavailable_try_again);
        case state::idle:
            return make_error_code(errc::bad_state);
    }
    return make_error_code(errc::bad_state);
}

bool req::can_send() const {
    return true;  // a request is always accepted: held until a pipe takes it
}

bool req::can_receive() const { return state_ == state::done; }

std::error_code req::set_option(int level, int option, std::span<const std::byte> value) {
    if (level == NN_REQ && option == NN_REQ_RESEND_IVL) {
        int interval = 0;
        if (std::error_code ec = backtrace::parse_int(value, interval)) return ec;
        if (interval <= 0) return std::make_error_code(std::errc::invalid_argument);
        resend_interval_ms_ = interval;
        return {};
    }
    return xreq::set_option(level, option, value);
}

std::error_code req::get_option(int level, int option, std::span<std::byte> value,
                                std::size_t& size) const {
    if (level == NN_REQ && option == NN_REQ_RESEND_IVL) {
        backtrace::put_int(resend_interval_ms_, value, size);
        return {};
    }
    return xreq::get_option(level, option, value, size);
}

}  // namespace nanoport::protocols
