// rep: cooked REP (AF_SP, NN_REP = 49), built on raw REP (xrep.hpp).
//
// One request at a time, as nanomsg's nn_rep: receive() hands the user only
// the body and keeps the request's backtrace (the pipe it came from, the
// hops, the request id); send() puts that backtrace in front of the reply and
// routes it back through xrep, which drops it silently if the requester's
// pipe has gone or is full. After a send the backtrace is spent.
//
// Rules, with nanomsg's reasons:
// - send() with no request in hand is EFSM (nanoport::errc::bad_state): there is
//   nobody to answer. can_send() is true exactly while a request is in hand.
// - Every receive() call first forgets the request in hand, even one that
//   then says EAGAIN (nn_rep_recv does the same): a REP that goes back to
//   receiving has given up on answering.
// - A header the user attached to a reply is replaced by the kept backtrace.
//
// Called by core::socket inside its ctx (no locks). The backtrace is kept in
// fixed storage: no allocation per request.
#pragma once

#include "protocols/reqrep/xrep.hpp"
#include "protocols/utils/backtrace.hpp"

namespace nanoport::protocols {

class rep final : public xrep {
public:
    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;

private:
    utils::backtrace::saved request_;  // empty: no request in hand
};

}  // namespace nanoport::protocols
