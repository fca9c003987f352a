// bus: cooked BUS (AF_SP, NN_BUS = 112), built on raw BUS (xbus.hpp).
//
// Same routing as xbus (every message to every peer, never blocks, counted
// drops; fair-queued receive) without the origin header: receive() strips it,
// so the user sees the body only, and send() drops any header the user
// attached (through a control message) and sends to every peer. (nanomsg
// 1.1.5 fails such a send with EINVAL instead; nanoport's cooked sockets
// ignore user headers throughout.) On the wire cooked and raw BUS are the
// same.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include "protocols/bus/xbus.hpp"

namespace nanoport::protocols {

class bus final : public xbus {
public:
    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
};

}  // namespace nanoport::protocols
