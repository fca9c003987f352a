// surveyor: cooked SURVEYOR; see surveyor.hpp for the rules and the states.
#include "protocols/survey/surveyor.hpp"

#include <chrono>
#include <utility>

#include "nanoport/error.hpp"
#include "nanomsg/survey.h"
#include "protocols/utils/backtrace.hpp"

namespace nanoport::protocols {

namespace backtrace = utils::backtrace;

surveyor::surveyor() : next_id_(backtrace::random_id()) {}

// Out of line: protocol_timer is complete here.
surveyor::~surveyor() = default;

void surveyor::attach(protocol_host& host) {
    host_ = &host;
    clock_ = std::make_unique<utils::protocol_timer>(host, static_cast<utils::protocol_timer::user&>(*this));
}

void surveyor::stop() {
    stopping_ = true;
    if (clock_) clock_->stop();
}

bool surveyor::idle() const { return !clock_ || clock_->idle(); }

void surveyor::readable(transport::pipe& p) {
    xsurveyor::readable(p);
    collect_responses();
}

std::error_code surveyor::send(aio::message& m) {
    // The current survey ends here: a response to it, read or not, is stale.
    if (has_response_) count_dropped();
    response_ = aio::message();
    has_response_ = false;
    survey_id_ = next_id_ | backtrace::last_word_bit;
    next_id_ = (next_id_ + 1) & backtrace::id_mask;
    m.clear_header();
    m.push_header_word(survey_id_);
    (void)xsurveyor::send(m);  // never fails: dist drops for full pipes
    state_ = state::active;
    arm_deadline();
    // Whatever the pipes hold now answers an older survey.
    collect_responses();
    return {};
}

void surveyor::collect_responses() {
    aio::message m;
    while (!has_response_ && !xsurveyor::receive(m)) {
        const auto header = m.header();
        if (state_ == state::active && header.size() == backtrace::word_size &&
            backtrace::read_word(header) == survey_id_) {
            response_ = std::move(m);
            has_response_ = true;
        } else {
            count_dropped();
        }
    }
}

void surveyor::arm_deadline() {
    if (!clock_ || stopping_) return;
    const auto deadline = std::chrono::milliseconds(deadline_ms_);
    deadline_at_ = std::chrono::steady_clock::now() + deadline;
    // Lazy, as REQ's resend timer: a wait that fires no later than the new
    // deadline stays and, when it fires, waits for the rest (on_deadline).
    // Only a wait that would fire too late (the deadline was shortened) moves.
    if (clock_->armed() && timer_expiry_ <= deadline_at_) return;
    timer_expiry_ = deadline_at_;
    clock_->start(deadline);
}

void surveyor::on_deadline() {
    if (state_ != state::active || stopping_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < deadline_at_) {
        // Armed for an earlier survey: wait for the rest of this one's.
        timer_expiry_ = deadline_at_;
        clock_->start(deadline_at_ - now);
        return;
    }
    state_ = state::timed_out;
    // Responses after the deadline are not shown (nanomsg: ETIMEDOUT, not
    // the response); the one looked ahead at goes too.
    if (has_response_) count_dropped();
    response_ = aio::message();
    has_response_ = false;
    if (host_) host_->readiness_changed();
}

std::error_code surveyor::receive(aio::message& m) {
    switch (state_) {
        case state::active:
            if (!has_response_)
                return std::make_error_code(std::errc::resource_unavailable_try_again);
            m = std::move(response_);
            has_response_ = false;
            m.clear_header();
            collect_responses();
            return {};
        case state::timed_out:
            state_ = state::idle;
            return std::make_error_code(std::errc::timed_out);
        case state::idle:
            return make_error_code(errc::bad_state);
    }
    return make_error_code(errc::bad_state);
}

bool surveyor::can_send() const { return true; }

bool surveyor::can_receive() const { return has_response_ || state_ != state::active; }

std::error_code surveyor::set_option(int level, int option, std::span<const std::byte> value) {
    if (level == NN_SURVEYOR && option == NN_SURVEYOR_DEADLINE) {
        int deadline = 0;
        if (std::error_code ec = backtrace::parse_int(value, deadline)) return ec;
        if (deadline <= 0) return std::make_error_code(std::errc::invalid_argument);
        deadline_ms_ = deadline;
        return {};
    }
    return xsurveyor::set_option(level, option, value);
}

std::error_code surveyor::get_option(int level, int option, std::span<std::byte> value,
                                     std::size_t& size) const {
    if (level == NN_SURVEYOR && option == NN_SURVEYOR_DEADLINE) {
        backtrace::put_int(deadline_ms_, value, size);
        return {};
    }
    return xsurveyor::get_option(level, option, value, size);
}

}  // namespace nanoport::protocols
