// pull: cooked PULL (AF_SP, NN_PULL = 81), built on raw PULL (xpull.hpp).
//
// Same routing as xpull (fair queue over the best priority, cannot send).
// PIPELINE has no SP header, so the cooked socket shows none: a header on a
// received message (left by a raw peer over inproc) is dropped before the user
// sees it. On the wire cooked and raw PULL are the same.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include "protocols/pipeline/xpull.hpp"

namespace nanoport::protocols {

class pull final : public xpull {
public:
    std::error_code receive(aio::message& m) override;
};

}  // namespace nanoport::protocols
