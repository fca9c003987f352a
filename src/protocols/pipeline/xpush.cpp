// xpush: raw PUSH; see xpush.hpp.
#include "protocols/pipeline/xpush.hpp"

#include <memory>

namespace nanoport::protocols {

// Only xpush sets a pipe's attachment while the pipe is ours, so the cast is
// exact; a pipe without one (never added) gives null.
xpush::pipe_state* xpush::state_of(transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::error_code xpush::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    peers_.add(state->out, p);
    p.attachment = std::move(state);
    return {};
}

void xpush::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    peers_.remove(state->out);
    p.attachment.reset();
}

void xpush::readable(transport::pipe& p) {
    // A PULL peer sends nothing. Whatever a broken peer sends is dropped;
    // leaving it in the pipe would only stall the pipe's reads. Bounded: the
    // pipe cannot refill while we hold the socket's ctx.
    if (!state_of(p)) return;
    aio::message discarded;
    for (;;) {
        const auto got = p.receive(discarded);
        if (!got.received || !got.more) break;
    }
}

void xpush::writable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) peers_.writable(state->out);
}

std::error_code xpush::send(aio::message& m) {
    return peers_.send(m);
}

std::error_code xpush::receive(aio::message&) {
    return std::make_error_code(std::errc::operation_not_supported);
}

bool xpush::can_send() const {
    return peers_.can_send();
}

bool xpush::can_receive() const {
    return false;
}

}  // namespace nanoport::protocols
