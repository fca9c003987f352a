// xreq: raw REQ (AF_SP_RAW, NN_REQ = 48), and the base of cooked REQ
// (req.hpp).
//
// Sending. Each request goes to one REP peer through utils::lb: strict round
// robin over the writable pipes of the best send priority (WIRE.md), with
// back-pressure: with no writable pipe send() is
// resource_unavailable_try_again and the caller keeps the message. The header
// the user gave (the backtrace a device passes on, or a raw user's request id)
// goes out unchanged in front of the body.
//
// Receiving. Replies are fair-queued from all pipes (utils::fq). Each reply's
// backtrace - the words up to and including the first with the top bit set -
// is split from its body into header(). A reply that is malformed or has more
// than NN_MAXTTL words is dropped and counted in dropped(); the pipe stays up.
//
// Options: NN_MAXTTL arrives from the socket as set_option(NN_SOL_SOCKET,
// NN_MAXTTL).
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (lb and fq
// nodes) lives in the pipe's attachment from add() to remove().
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/utils/backtrace.hpp"
#include "protocols/utils/fq.hpp"
#include "protocols/utils/lb.hpp"

namespace nanoport::protocols {

class xreq : public protocol {
public:
    static constexpr std::uint16_t sp_id = 48;

    std::uint16_t id() const override { return sp_id; }

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;
    int current_send_priority() const override { return out_.current_priority(); }

    std::error_code set_option(int level, int option, std::span<const std::byte> value) override;

    // Messages dropped so far: malformed or over-TTL replies (and, in cooked
    // REQ, replies that answer no outstanding request, and a reply a new
    // request cancelled before it was read).
    std::uint64_t dropped() const noexcept override { return dropped_; }

protected:
    // As send(m), and says which pipe took the request (cooked REQ resends
    // when that pipe goes away).
    std::error_code send_request(aio::message& m, transport::pipe*& to);
    void count_dropped() noexcept { ++dropped_; }

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::lb::node out;
        utils::fq::node in;
    };
    static pipe_state* state_of(transport::pipe& p) noexcept;

    utils::lb out_;
    utils::fq in_;
    int max_ttl_ = utils::backtrace::default_max_ttl;
    std::uint64_t dropped_ = 0;
};

}  // namespace nanoport::protocols
