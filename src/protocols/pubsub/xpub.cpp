// xpub: raw PUB; see xpub.hpp.
#include "protocols/pubsub/xpub.hpp"

#include <memory>

namespace nanoport::protocols {

// Only xpub sets a pipe's attachment while the pipe is ours, so the cast is
// exact; a pipe without one (never added) gives null.
xpub::pipe_state* xpub::state_of(const transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::error_code xpub::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    peers_.add(state->out, p);
    p.attachment = std::move(state);
    return {};
}

void xpub::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    peers_.remove(state->out);
    p.attachment.reset();
}

void xpub::readable(transport::pipe& p) {
    // A SUB peer sends nothing. Whatever a broken peer sends is dropped;
    // leaving it in the pipe would only stall the pipe's reads. Bounded: the
    // pipe cannot refill while we hold the socket's ctx.
    if (!state_of(p)) return;
    aio::message discarded;
    for (;;) {
        const auto got = p.receive(discarded);
        if (!got.received || !got.more) break;
    }
}

void xpub::writable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) peers_.writable(state->out);
}

std::error_code xpub::send(aio::message& m) {
    const auto result = peers_.send(m);
    delivered_ += result.delivered;
    dropped_ += result.dropped;
    m = aio::message();  // consumed: the pipes hold the body now
    return {};
}

std::error_code xpub::receive(aio::message&) {
    return std::make_error_code(std::errc::operation_not_supported);
}

bool xpub::can_send() const {
    return true;
}

bool xpub::can_receive() const {
    return false;
}

std::uint64_t xpub::dropped(const transport::pipe& p) const noexcept {
    const pipe_state* state = state_of(p);
    return state ? state->out.dropped : 0;
}

}  // namespace nanoport::protocols
