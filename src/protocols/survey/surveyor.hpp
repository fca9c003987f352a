// surveyor: cooked SURVEYOR (AF_SP, NN_SURVEYOR = 98), built on raw
// SURVEYOR (xsurveyor.hpp).
//
// One survey at a time, as nanomsg's nn_surveyor. Each survey gets an id: a
// random 31-bit start, +1 per survey, sent as the one header word
// id | 0x80000000 to every respondent (xsurveyor's dist; never blocks). Then
// responses are accepted until NN_SURVEYOR_DEADLINE (level NN_SURVEYOR = 98,
// option 1, int ms, default 1000) passes. A response is accepted only if its
// header is exactly the current survey's word; anything else (a response to
// an older survey, one with hops left over) is dropped and counted in
// dropped(). A new send() cancels the current survey: what its respondents
// still send is stale from then on, and so is a response taken but not read.
//
// receive():
//   survey running, a response waiting   the response's body (header stripped)
//   survey running, nothing yet          EAGAIN
//   deadline passed                      ETIMEDOUT (std::errc::timed_out) once,
//                                        then the survey is over
//   no survey (never sent, or over)      EFSM (nanoport::errc::bad_state)
// nn_recv on nanomsg answers the same. A blocked receive() wakes at the
// deadline: the timer makes can_receive() true and calls
// host.readiness_changed().
//
// can_receive() is exact: true iff receive() would not say EAGAIN - a
// response is waiting, or no survey is running (nanomsg's surveyor also
// signals IN then, so that a poller wakes at the deadline and its nn_recv
// gets ETIMEDOUT or EFSM). To know whether a response is waiting without
// reading it to the user, the surveyor looks one message ahead: when pipes
// become readable it takes messages until one answers the current survey and
// keeps that one (stale ones are dropped on the way); the rest stay in the
// pipes until receive() asks for the next.
//
// States (one survey):
//   idle       no survey running                        receive: EFSM
//   active     survey out, deadline timer running       receive: response / EAGAIN
//   timed_out  deadline passed, ETIMEDOUT not yet told  receive: ETIMEDOUT
// Transitions:
//   any       -> active     send()
//   active    -> timed_out  deadline timer (the waiting response, if any, is dropped)
//   timed_out -> idle       receive()
//
// Options: NN_SURVEYOR_DEADLINE as above; it must be > 0 (nanomsg takes any
// int; a deadline <= 0 would end every survey before any response, so it is
// EINVAL here). A new deadline applies from the next survey. NN_MAXTTL as in
// xsurveyor.
//
// Threads and timers: called by core::socket inside its ctx. The deadline
// timer lives on host.timer_worker() and fires inside host.ctx(), made by
// attach(); without attach() (unit tests of routing only) a survey has no
// deadline. The timer is lazy: a new survey does not move it back; when it
// fires early it waits for the rest of the current survey's deadline. stop()
// disarms it; idle() says when no timer wait is in flight, and the wait's
// completion after stop() calls host.readiness_changed() so that a closing
// socket looks again.
// No allocation per survey or response.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "protocols/survey/xsurveyor.hpp"
#include "protocols/utils/protocol_timer.hpp"

namespace nanoport::protocols {

class surveyor final : public xsurveyor, private utils::protocol_timer::user {
public:
    static constexpr int default_deadline_ms = 1000;

    surveyor();
    ~surveyor() override;

    void attach(protocol_host& host) override;
    void stop() override;
    bool idle() const override;

    void readable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;

    std::error_code set_option(int level, int option, std::span<const std::byte> value) override;
    std::error_code get_option(int level, int option, std::span<std::byte> value,
                               std::size_t& size) const override;

    // The id of the current survey (top bit set); 0 before the first.
    std::uint32_t survey_id() const noexcept { return survey_id_; }

private:
    enum class state { idle, active, timed_out };

    // Fills the one-message look-ahead with a response to the current
    // survey, dropping stale messages on the way; outside a survey, drains.
    void collect_responses();
    void on_deadline();
    void on_timer() override { on_deadline(); }
    // Makes the timer fire at the deadline (or earlier, see .cpp).
    void arm_deadline();

    state state_ = state::idle;
    aio::message response_;  // the look-ahead
    bool has_response_ = false;
    std::uint32_t survey_id_ = 0;  // with the top bit set
    std::uint32_t next_id_;        // 31 bits
    int deadline_ms_ = default_deadline_ms;
    std::chrono::steady_clock::time_point deadline_at_{};   // while active
    std::chrono::steady_clock::time_point timer_expiry_{};  // while the timer is armed
    protocol_host* host_ = nullptr;
    std::unique_ptr<utils::protocol_timer> clock_;  // made by attach()
    bool stopping_ = false;                  // stop() was called: no new timer
};

}  // namespace nanoport::protocols
