// xrep: raw REP (AF_SP_RAW, NN_REP = 49), the base of cooked REP (rep.hpp)
// and of raw RESPONDENT (survey/xrespondent.hpp), which routes the same way.
//
// Receiving. Requests are fair-queued from all REQ peers (utils::fq, by
// NN_RCVPRIO). Each pipe has a 31-bit id (top bit clear), unique among the
// live pipes of this socket, counted up from a random start. A request's
// backtrace (utils::backtrace) is split from its body and the id of the pipe
// it came in on is pushed in front of it, so the user gets
//   header() = [pipe id][hop words...][request id]   body() = the rest.
// A request that is malformed or has more than NN_MAXTTL backtrace words is
// dropped and counted in dropped(); the pipe stays up (a device may
// legitimately pass on a long chain, and nothing is lost for other peers).
//
// Sending. The first header word names the pipe; it is popped and the
// message goes to that pipe with the remaining header words in front of the
// body. A reply whose pipe is gone or full, or whose header is shorter than a
// word, is dropped silently (WIRE.md), counted in dropped(), and send() still
// succeeds: REP never blocks on send (can_send() is always true).
//
// Options: NN_MAXTTL arrives from the socket as set_option(NN_SOL_SOCKET,
// NN_MAXTTL); the socket validates and answers getsockopt itself.
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (fq node,
// id, writable flag) lives in the pipe's attachment from add() to remove();
// routing a reply is one hash lookup, no allocation.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "protocols/protocol.hpp"
#include "protocols/utils/backtrace.hpp"
#include "protocols/utils/fq.hpp"

namespace nanoport::protocols {

class xrep : public protocol {
public:
    static constexpr std::uint16_t sp_id = 49;

    xrep();

    std::uint16_t id() const override { return sp_id; }

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;

    std::error_code set_option(int level, int option, std::span<const std::byte> value) override;

    // Messages dropped so far: malformed or over-TTL requests, unroutable or
    // unwritable replies.
    std::uint64_t dropped() const noexcept override { return dropped_; }
    // The id this socket gave p (tests, logs); p must be one of ours.
    std::uint32_t pipe_id(transport::pipe& p) const noexcept;

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::fq::node in;
        transport::pipe* pipe = nullptr;
        std::uint32_t id = 0;
        bool writable = true;  // a new pipe takes messages (pipe contract)
    };
    static pipe_state* state_of(transport::pipe& p) noexcept;
    std::uint32_t next_free_id() noexcept;

    utils::fq in_;
    std::unordered_map<std::uint32_t, pipe_state*> by_id_;  // live pipes
    std::uint32_t next_id_;
    int max_ttl_ = utils::backtrace::default_max_ttl;
    std::uint64_t dropped_ = 0;
};

}  // namespace nanoport::protocols
