// xsub: raw SUB (AF_SP_RAW, NN_SUB = 33), and the base of cooked SUB
// (sub.hpp).
//
// Receives from all PUB peers through utils::fq (one message from each
// readable pipe in turn among the best receive priority) and keeps only the
// messages whose body starts with a subscribed prefix; the others are
// discarded as they are read. Subscriptions are set with the options
// NN_SUB_SUBSCRIBE (1) and NN_SUB_UNSUBSCRIBE (2) at level NN_SUB (33); the
// value is the prefix, any bytes, the empty prefix matching everything. With
// no subscription nothing is received. Subscriptions are counted (trie.hpp):
// a prefix subscribed twice needs two unsubscribes; unsubscribing a prefix
// that is not subscribed is a no-op that succeeds, as in nanomsg 1.1.5. Both
// options are write-only: get_option() says no_protocol_option (ENOPROTOOPT),
// as nanomsg does. As in nanomsg, raw SUB filters exactly like cooked SUB.
//
// can_receive() is true while some pipe has a message; when every queued
// message fails the filter, receive() discards them all and says
// resource_unavailable_try_again, and can_receive() is false afterwards. So
// readiness may announce a message that turns out to be filtered away, never
// the other way round. SUB cannot send: send() is operation_not_supported
// (ENOTSUP). Talks to PUB (32) only.
//
// Raw SUB passes a message's SP header through unchanged (PUB/SUB has none);
// the filter looks at the body only.
//
// Called by core::socket inside its ctx (no locks). Per-pipe state (the fq
// node) lives in the pipe's attachment from add() to remove().
#pragma once

#include <cstdint>

#include "protocols/protocol.hpp"
#include "protocols/pubsub/trie.hpp"
#include "protocols/utils/fq.hpp"

namespace nanoport::protocols {

class xsub : public protocol {
public:
    static constexpr std::uint16_t sp_id = 33;
    // Option level and options, as in nanomsg/pubsub.h.
    static constexpr int option_level = 33;
    static constexpr int option_subscribe = 1;
    static constexpr int option_unsubscribe = 2;

    std::uint16_t id() const override { return sp_id; }

    std::error_code add(transport::pipe& p) override;
    void remove(transport::pipe& p) override;
    void readable(transport::pipe& p) override;
    void writable(transport::pipe& p) override;

    std::error_code send(aio::message& m) override;
    std::error_code receive(aio::message& m) override;
    bool can_send() const override;
    bool can_receive() const override;

    // NN_SUB_SUBSCRIBE / NN_SUB_UNSUBSCRIBE; anything else no_protocol_option.
    // A subscription that cannot be stored: not_enough_memory (ENOMEM).
    std::error_code set_option(int level, int option, std::span<const std::byte> value) override;

    // Messages read from pipes and discarded by the filter, since the socket
    // was made.
    std::uint64_t filtered() const noexcept { return filtered_; }
    // The subscriptions (tests, statistics).
    const trie& subscriptions() const noexcept { return subscriptions_; }

private:
    struct pipe_state final : transport::pipe_attachment {
        utils::fq::node in;
    };
    static pipe_state* state_of(transport::pipe& p) noexcept;

    utils::fq peers_;
    trie subscriptions_;
    std::uint64_t filtered_ = 0;
};

}  // namespace nanoport::protocols
