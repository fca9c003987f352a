// pair: cooked PAIR (AF_SP, NN_PAIR = 16), built on raw PAIR (xpair.hpp).
//
// Same routing as xpair: one peer at a time, a second one refused with
// std::errc::already_connected. PAIR v0 has no SP header, so the cooked
// socket neither sends nor shows one: a header on a message the user sends
// (through a control message) is dropped before it reaches the pipe, and a
// header on a received message (left by a raw peer over inproc) is dropped
// before the user sees it. On the wire cooked and raw PAIR are the same.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include "protocols/pair/xpair.hpp"

namespace nanoport::protocols {

class pair final : public xpair {
public:
    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
};

}  // namespace nanoport::protocols
