// respondent: cooked RESPONDENT (AF_SP, NN_RESPONDENT = 99), built on raw
// RESPONDENT (xrespondent.hpp).
//
// One survey at a time, as nanomsg's nn_respondent (the same rules as cooked
// REP, rep.hpp): receive() hands the user only the body and keeps the
// survey's backtrace; send() puts it in front of the response and routes it
// back to the pipe the survey came from (dropped silently if that pipe is
// gone or full). send() with no survey in hand is EFSM
// (nanoport::errc::bad_state), and can_send() is true exactly while one is in
// hand. Every receive() call first forgets the survey in hand, even one that
// then says EAGAIN. A header the user attached to a response is replaced.
//
// Called by core::socket inside its ctx (no locks). The backtrace is kept in
// fixed storage: no allocation per survey.
#pragma once

#include "protocols/survey/xrespondent.hpp"
#include "protocols/utils/backtrace.hpp"

namespace nanoport::protocols {

class respondent final : public xrespondent {
public:
    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;

private:
    utils::backtrace::saved survey_;  // empty: no survey in hand
};

}  // namespace nanoport::protocols
