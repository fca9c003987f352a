// xsub: raw SUB; see xsub.hpp.
#include "protocols/pubsub/xsub.hpp"

#include <memory>
#include <new>

namespace nanoport::protocols {

// Only xsub sets a pipe's attachment while the pipe is ours, so the cast is
// exact; a pipe without one (never added) gives null.
xsub::pipe_state* xsub::state_of(transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::error_code xsub::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    peers_.add(state->in, p);
    p.attachment = std::move(state);
    return {};
}

void xsub::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    peers_.remove(state->in);
    p.attachment.reset();
}

void xsub::readable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) peers_.readable(state->in);
}

void xsub::writable(transport::pipe&) {
    // SUB never sends: nothing waits for a pipe to take messages.
}

std::error_code xsub::send(aio::message&) {
    return std::make_error_code(std::errc::operation_not_supported);
}

std::error_code xsub::receive(aio::message& m) {
    // Bounded: each pass takes a message out of a pipe, and pipes cannot
    // refill while we hold the socket's ctx.
    bool discarded = false;
    for (;;) {
        if (const std::error_code ec = peers_.receive(m)) {
            if (discarded) m = aio::message();  // hand back no filtered-out message
            return ec;
        }
        if (subscriptions_.match(m.body())) return {};
        ++filtered_;
        discarded = true;
    }
}

bool xsub::can_send() const {
    return false;
}

bool xsub::can_receive() const {
    return peers_.can_receive();
}

std::error_code xsub::set_option(int level, int option, std::span<const std::byte> value) {
    if (level != option_level) return protocol::set_option(level, option, value);
    switch (option) {
    case option_subscribe:
        try {
            subscriptions_.subscribe(value);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        return {};
    case option_unsubscribe:
        // Not subscribed: nothing to do, and no error (nanomsg 1.1.5).
        (void)subscriptions_.unsubscribe(value);
        return {};
    default:
        return std::make_error_code(std::errc::no_protocol_option);
    }
}

}  // namespace nanoport::protocols
