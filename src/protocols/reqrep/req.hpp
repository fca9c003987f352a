// req: cooked REQ (AF_SP, NN_REQ = 48), built on raw REQ (xreq.hpp).
//
// One request outstanding at a time, as nanomsg's nn_req. Each request gets
// an id: a random 31-bit start, +1 per request, sent as the one header word
// id | 0x80000000. A reply is accepted only if its header is exactly that one
// word; anything else (a reply to an older request, a duplicate after a
// resend, a reply with hops left over) is dropped and counted in dropped().
//
// The request is kept until it is answered, so that it can be sent again:
// - after NN_REQ_RESEND_IVL (level NN_REQ, option 1, int ms, default 60000)
//   without a reply, to the next pipe in round robin (a peer may have lost it);
// - at once when the pipe that carried it goes away;
// - as soon as a pipe can take it, when none could: send() never blocks and
//   never says EAGAIN (can_send() is always true); a request made with no
//   peer at all waits for the first one (nanomsg does the same).
// A new send() cancels the outstanding request: its reply, if it comes, is
// dropped, and so is a reply received but not yet read.
//
// receive(): the reply's body (the header is stripped); EAGAIN while the
// request is outstanding; EFSM (nanoport::errc::bad_state) with no request
// outstanding, i.e. before the first send() and after its reply was read.
// Replies are taken from the pipes as soon as they are readable, so
// can_receive() is exact: true iff a reply is waiting.
//
// States (one request):
//   idle     no request outstanding                    receive: EFSM
//   delayed  accepted, no pipe could take it yet       receive: EAGAIN
//   active   sent on sent_to_, resend timer running    receive: EAGAIN
//   done     its reply is waiting to be read           receive: the reply
// Transitions:
//   any     -> active    send(), a pipe took it
//   any     -> delayed   send(), no writable pipe
//   delayed -> active    add()/writable(): a pipe can take it now
//   active  -> active    resend timer, or remove(sent_to_): sent again
//   active  -> delayed   the same, but no pipe can take it
//   active,
//   delayed -> done      the matching reply arrived
//   done    -> idle      receive()
//
// Options: NN_REQ_RESEND_IVL as above; it must be > 0 (nanomsg takes any int,
// but an interval <= 0 only makes a resend storm, so it is EINVAL here). A
// new interval applies from the next (re)send. NN_MAXTTL as in xreq.
//
// Threads and timers: called by core::socket inside its ctx. The resend timer
// lives on host.timer_worker() and fires inside host.ctx(), made by attach();
// without attach() (unit tests of routing only) nothing is resent by time.
// The timer is lazy: a request does not stop it or move it back; when it
// fires it resends, waits for the rest of the current request's interval, or
// (no request outstanding) rests. So back-to-back requests cost no timer
// operation. stop() disarms it; idle() says when no timer wait is in flight,
// after which the socket may destroy the protocol; the wait's completion after
// stop() calls host.readiness_changed() so that a closing socket looks again.
// No allocation per request: the kept request shares its body with the copies
// sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "protocols/reqrep/xreq.hpp"
#include "protocols/utils/protocol_timer.hpp"

namespace nanoport::protocols {

class req final : public xreq, private utils::protocol_timer::user {
public:
    static constexpr int default_resend_interval_ms = 60000;

    req();
    ~req() override;

    void attach(protocol_host& host) override;
    void stop() override;
    bool idle() const override;

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;

    std::error_code set_option(int level, int option, std::span<const std::byte> value) override;
    std::error_code get_option(int level, int option, std::span<std::byte> value,
                               std::size_t& size) const override;

    // The id of the current request (top bit set); 0 before the first.
    std::uint32_t request_id() const noexcept { return request_id_; }

private:
    enum class state { idle, delayed, active, done };

    // Sends a copy of request_ to the next writable pipe: to active, or to
    // delayed when none can take it.
    void transmit();
    // Takes every reply the pipes hold, keeping the one that answers the
    // outstanding request.
    void collect_replies();
    void on_resend_timeout();
    void on_timer() override { on_resend_timeout(); }
    // Makes the timer fire one interval from now (or earlier, see .cpp).
    void arm_resend();

    state state_ = state::idle;
    aio::message request_;                // kept for resends while delayed/active
    aio::message reply_;                  // while done
    transport::pipe* sent_to_ = nullptr;  // while active: the pipe that took it
    std::uint32_t request_id_ = 0;        // with the top bit set
    std::uint32_t next_id_;               // 31 bits
    int resend_interval_ms_ = default_resend_interval_ms;
    std::chrono::steady_clock::time_point resend_at_{};     // while active
    std::chrono::steady_clock::time_point timer_expiry_{};  // while the timer is armed
    protocol_host* host_ = nullptr;
    std::unique_ptr<utils::protocol_timer> clock_;  // made by attach()
    bool stopping_ = false;                // stop() was called: no new timer
};

}  // namespace nanoport::protocols
