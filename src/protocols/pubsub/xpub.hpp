// xpub: raw PUB (AF_SP_RAW, NN_PUB = 32), and the base of cooked PUB
// (pub.hpp).
//
// Sends every message to every SUB peer through utils::dist: each pipe gets
// its own message object sharing the one body. PUB never blocks: can_send()
// is always true, and a peer that cannot take more (its pipe reported full)
// misses the message - it is dropped for that pipe only and counted, per pipe
// and in total, so that for every message "pipes = delivered + dropped"
// holds exactly. The socket reads the counters for its statistics. With no
// peer at all a message goes nowhere and counts nothing.
//
// PUB cannot receive: receive() is operation_not_supported (ENOTSUP).
// Anything a misbehaving peer sends is read and discarded, so it cannot fill
// the pipe's buffer. Talks to SUB (33) only. Filtering is the subscriber's
// business (WIRE.md: SP has no subscription traffic).
//
// Raw PUB passes a message's SP header through unchanged (PUB/SUB has none).
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (the dist
// node, which holds the pipe's drop counter) lives in the pipe's attachment
// from add() to remove().
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/utils/dist.hpp"

namespace nanoport::protocols {

class xpub : public protocol {
public:
    static constexpr std::uint16_t sp_id = 32;

    std::uint16_t id() const override { return sp_id; }

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;

    // Pipe-messages handed to a pipe, and missed because the pipe was full,
    // since the socket was made (pipes since removed included).
    std::uint64_t delivered() const noexcept { return delivered_; }
    std::uint64_t dropped() const noexcept override { return dropped_; }
    // Messages p missed while it was full; 0 for a pipe that is not ours.
    std::uint64_t dropped(const transport::pipe& p) const noexcept;

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::dist::node out;
    };
    static pipe_state* state_of(const transport::pipe& p) noexcept;

    utils::dist peers_;
    std::uint64_t delivered_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace nanoport::protocols
