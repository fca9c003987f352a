// xpush: raw PUSH (AF_SP_RAW, NN_PUSH = 80), and the base of cooked PUSH
// (push.hpp).
//
// Sends each message to one PULL peer through utils::lb: strict round robin
// over the writable pipes of the best send priority (NN_SNDPRIO of the
// endpoint that made the pipe, 1 first .. 16, default 8); a worse priority is
// used only while every better pipe is full, and the better one is used again
// as soon as it is writable. With no writable pipe, send() returns
// resource_unavailable_try_again (back-pressure: the socket blocks or says
// EAGAIN). PUSH cannot receive: receive() is operation_not_supported (ENOTSUP).
// Anything a misbehaving peer sends is read and discarded, so it cannot fill
// the pipe's buffer. Talks to PULL (81) only.
//
// Raw PUSH passes a message's SP header through unchanged (PIPELINE has none).
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (the lb
// node) lives in the pipe's attachment from add() to remove().
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/utils/lb.hpp"

namespace nanoport::protocols {

class xpush : public protocol {
public:
    static constexpr std::uint16_t sp_id = 80;

    std::uint16_t id() const override { return sp_id; }

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;
    int current_send_priority() const override { return peers_.current_priority(); }

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::lb::node out;
    };
    static pipe_state* state_of(transport::pipe& p) noexcept;

    utils::lb peers_;
};

}  // namespace nanoport::protocols
