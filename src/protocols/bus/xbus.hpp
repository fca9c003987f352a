// xbus: raw BUS (AF_SP_RAW, NN_BUS = 112), and the base of cooked BUS
// (bus.hpp).
//
// Every message sent goes to every peer through utils::dist (one message
// object per pipe sharing the body); like PUB, BUS never blocks: can_send() is
// always true, a peer whose pipe is full misses the message, and the drop is
// counted per pipe and in total. Messages are received from all peers through
// utils::fq (one message from each readable pipe in turn among the best
// receive priority). Talks to BUS (112) only.
//
// Origin header (raw BUS only). BUS has no SP header on the wire, but raw BUS
// must not echo a message back to the pipe it came from, so that an
// nn_device looping a raw BUS socket onto itself relays each message to every
// peer but its sender. So receive() gives each message a local-only header of
// origin_header_size (8) bytes: the origin id of the pipe it came from, 64-bit
// big-endian. The user sees it as the SP_HDR control message of nn_recvmsg
// and passes it back through nn_sendmsg; send() then leaves that pipe out of
// the fan-out and strips the header, so it never reaches the wire. A header of
// any other size is invalid_argument (EINVAL), as in nanomsg; no header means
// "to every peer".
//
// Origin ids are never reused: they come from one process-wide counter
// starting at 1, so a stale id (its pipe is gone, maybe replaced by a new
// pipe at the same address) or an id made by another socket of the process
// names no pipe of ours, and the message simply goes to every peer. The id
// is looked up in a map kept from add() to remove(); the pipe's address is
// never taken from user data.
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (dist and
// fq nodes, the origin id) lives in the pipe's attachment from add() to
// remove().
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "protocols/protocol.hpp"
#include "protocols/utils/dist.hpp"
#include "protocols/utils/fq.hpp"

namespace nanoport::protocols {

class xbus : public protocol {
public:
    static constexpr std::uint16_t sp_id = 112;
    static constexpr std::size_t origin_header_size = 8;

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
    // The origin id raw receive() puts in the header of p's messages; 0 for
    // a pipe that is not ours.
    std::uint64_t origin_of(const transport::pipe& p) const noexcept;

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::dist::node out;
        utils::fq::node in;
        std::uint64_t origin = 0;
    };
    static pipe_state* state_of(const transport::pipe& p) noexcept;

    utils::dist out_;
    utils::fq in_;
    std::unordered_map<std::uint64_t, transport::pipe*> pipes_by_origin_;
    std::uint64_t delivered_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace nanoport::protocols
