// xsurveyor: raw SURVEYOR (AF_SP_RAW, NN_SURVEYOR = 98), and the base of
// cooked SURVEYOR (surveyor.hpp).
//
// Sending. A survey goes to every RESPONDENT peer through utils::dist, with
// the header the user gave (a raw user supplies the survey id) in front of
// the body. It never blocks: a pipe that is full misses the survey (counted
// per pipe by dist), the others get it; can_send() is always true, even with
// no peer at all (the survey then reaches nobody), as in nanomsg.
//
// Receiving. Responses are fair-queued from all pipes (utils::fq); each
// response's backtrace - the words up to and including the first with the top
// bit set - is split from its body into header(). A response that is
// malformed or has more than NN_MAXTTL words is dropped and counted in
// dropped(); the pipe stays up.
//
// Options: NN_MAXTTL arrives from the socket as set_option(NN_SOL_SOCKET,
// NN_MAXTTL).
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (dist and
// fq nodes) lives in the pipe's attachment from add() to remove().
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/utils/backtrace.hpp"
#include "protocols/utils/dist.hpp"
#include "protocols/utils/fq.hpp"

namespace nanoport::protocols {

class xsurveyor : public protocol {
public:
    static constexpr std::uint16_t sp_id = 98;

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

    // Messages dropped so far: malformed or over-TTL responses (and, in
    // cooked SURVEYOR, responses to no current survey, and a response taken
    // but not read before the deadline or the next survey).
    std::uint64_t dropped() const noexcept override { return dropped_; }

protected:
    void count_dropped() noexcept { ++dropped_; }

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::dist::node out;
        utils::fq::node in;
    };
    static pipe_state* state_of(transport::pipe& p) noexcept;

    utils::dist out_;
    utils::fq in_;
    int max_ttl_ = utils::backtrace::default_max_ttl;
    std::uint64_t dropped_ = 0;
};

}  // namespace nanoport::protocols
