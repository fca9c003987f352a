// xpull: raw PULL (AF_SP_RAW, NN_PULL = 81), and the base of cooked PULL
// (pull.hpp).
//
// Receives from all PUSH peers through utils::fq: one message from each
// readable pipe in turn among the best receive priority (NN_RCVPRIO of the
// endpoint that made the pipe, 1 first .. 16, default 8); a worse priority is
// read only while no better pipe has a message. With nothing to read,
// receive() returns resource_unavailable_try_again. PULL cannot send: send()
// is operation_not_supported (ENOTSUP). Talks to PUSH (80) only.
//
// Raw PULL passes a message's SP header through unchanged (PIPELINE has none).
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (the fq
// node) lives in the pipe's attachment from add() to remove().
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/utils/fq.hpp"

namespace nanoport::protocols {

class xpull : public protocol {
public:
    static constexpr std::uint16_t sp_id = 81;

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
    struct pipe_state final : transport::pipe_attachment {
        utils::fq::node in;
    };
    static pipe_state* state_of(transport::pipe& p) noexcept;

    utils::fq peers_;
};

}  // namespace nanoport::protocols
