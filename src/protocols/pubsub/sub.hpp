// sub: cooked SUB (AF_SP, NN_SUB = 33), built on raw SUB (xsub.hpp).
//
// Same routing and filtering as xsub (fair queue over the PUB peers, counted
// prefix subscriptions, nothing without one, cannot send). PUB/SUB has no SP
// header, so the cooked socket shows none: a header on a received message
// (left by a raw peer over inproc) is dropped before the user sees it. On the
// wire cooked and raw SUB are the same.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include "protocols/pubsub/xsub.hpp"

namespace nanoport::protocols {

class sub final : public xsub {
public:
    std::error_code receive(aio::message& m) override;
};

}  // namespace nanoport::protocols
