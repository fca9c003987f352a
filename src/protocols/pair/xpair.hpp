// xpair: raw PAIR (AF_SP_RAW, NN_PAIR = 16; SP pair v0), and the base of
// cooked PAIR (pair.hpp).
//
// Exactly one peer at a time, through utils::excl: the first pipe added is
// used; while it lives, add() refuses any other with
// std::errc::already_connected (EISCONN, nanomsg's nn_excl_add), and the
// socket closes the refused pipe. After remove() the next pipe is taken.
// Messages go both ways with back-pressure: send()/receive() return
// resource_unavailable_try_again while the pipe is full / empty or absent.
// Pipe priorities play no part (one pipe). Talks to PAIR (16) only.
//
// PAIR v0 has no SP header. Raw PAIR passes whatever header a message
// carries through unchanged, both ways.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/utils/excl.hpp"

namespace nanoport::protocols {

class xpair : public protocol {
public:
    static constexpr std::uint16_t sp_id = 16;

    std::uint16_t id() const override { return sp_id; }

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;

private:
    utils::excl peer_;
};

}  // namespace nanoport::protocols
