// xpull: raw PULL; see xpull.hpp.
#include "protocols/pipeline/xpull.hpp"

#include <memory>

namespace nanoport::protocols {

// Only xpull sets a pipe's attachment while the pipe is ours, so the cast is
// exact; a pipe without one (never added) gives null.
xpull::pipe_state* xpull::state_of(transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::error_code xpull::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    peers_.add(state->in, p);
    p.attachment = std::move(state);
    return {};
}

void xpull::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    peers_.remove(state->in);
    p.attachment.reset();
}

void xpull::readable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) peers_.readable(state->in);
}

void xpull::writable(transport::pipe&) {
    // PULL never sends: nothing waits for a pipe to take messages.
}

std::error_code xpull::send(aio::message&) {
    return std::make_error_code(std::errc::operation_not_supported);
}

std::error_code xpull::receive(aio::message& m) {
    return peers_.receive(m);
}

bool xpull::can_send() const {
    return false;
}

bool xpull::can_receive() const {
    return peers_.can_receive();
}

}  // namespace nanoport::protocols
