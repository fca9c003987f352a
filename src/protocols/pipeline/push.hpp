// push: cooked PUSH (AF_SP, NN_PUSH = 80), built on raw PUSH (xpush.hpp).
//
// Same routing as xpush (round robin over the best priority, back-pressure,
// cannot receive). PIPELINE has no SP header, so the cooked socket sends
// none: a header the user attached (through a control message) is dropped
// before the message reaches a pipe. On the wire cooked and raw PUSH are the
// same.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include "protocols/pipeline/xpush.hpp"

namespace nanoport::protocols {

class push final : public xpush {
public:
    std::error_code send(aio::message& m) override;
};

}  // namespace nanoport::protocols
