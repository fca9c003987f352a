// pub: cooked PUB (AF_SP, NN_PUB = 32), built on raw PUB (xpub.hpp).
//
// Same routing as xpub (every message to every SUB peer, never blocks, a full
// peer misses the message and the drop is counted, cannot receive). PUB/SUB
// has no SP header, so the cooked socket sends none: a header the user
// attached (through a control message) is dropped before the message reaches
// a pipe. On the wire cooked and raw PUB are the same.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include "protocols/pubsub/xpub.hpp"

namespace nanoport::protocols {

class pub final : public xpub {
public:
    std::error_code send(aio::message& m) override;
};

}  // namespace nanoport::protocols
