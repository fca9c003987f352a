// xrep: raw REP; see xrep.hpp.
#include "protocols/reqrep/xrep.hpp"

#include <memory>
#include <optional>
#include <utility>

namespace nanoport::protocols {

namespace backtrace = utils::backtrace;

xrep::xrep() : next_id_(backtrace::random_id()) {}

// Only xrep (and its subclasses) set a pipe's attachment while the pipe is
// ours, so the cast is exact; a pipe without one (never added) gives null.
xrep::pipe_state* xrep::state_of(transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::uint32_t xrep::next_free_id() noexcept {
    // Ends: fewer than 2^31 pipes are ever alive at once.
    for (;;) {
        const std::uint32_t id = next_id_;
        next_id_ = (next_id_ + 1) & backtrace::id_mask;
        if (!by_id_.contains(id)) return id;
    }
}

std::uint32_t xrep::pipe_id(transport::pipe& p) const noexcept {
    const pipe_state* state = state_of(p);
    return state ? state->id : 0;
}

std::error_code xrep::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    state->pipe = &p;
    state->id = next_free_id();
    by_id_.emplace(state->id, state.get());  // may throw: nothing registered yet
    in_.add(state->in, p);
    p.attachment = std::move(state);
    return {};
}

void xrep::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    in_.remove(state->in);
    by_id_.erase(state->id);
    p.attachment.reset();
}

void xrep::readable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) in_.readable(state->in);
}

void xrep::writable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) state->writable = true;
}

std::error_code xrep::send(aio::message& m) {
    const std::optional<std::uint32_t> to = backtrace::pop_word(m);
    pipe_state* state = nullptr;
    if (to) {
        const auto found = by_id_.find(*to);
        if (found != by_id_.end()) state = found->second;
    }
    if (!state || !state->writable) {
        // Unroutable (the requester left, or a bad header) or unwritable:
        // dropped silently, as nanomsg and NNG do; the send is accepted.
        ++dropped_;
        const aio::message gone = std::move(m);
        return {};
    }
    state->writable = state->pipe->send(std::move(m));
    return {};
}

std::error_code xrep::receive(aio::message& m) {
    aio::message got;
    transport::pipe* from = nullptr;
    while (!in_.receive(got, from)) {
        if (backtrace::take_with_hop(got, state_of(*from)->id, max_ttl_)) {
            m = std::move(got);
            return {};
        }
        ++dropped_;  // malformed or over the TTL; try the next message
    }
    return std::make_error_code(std::errc::resource_unavailable_try_again);
}

bool xrep::can_send() const {
    return true;  // replies are never held back: they go or are dropped
}

bool xrep::can_receive() const {
    // True while some pipe has a message. Should every pending message be
    // malformed, receive() drops them and says EAGAIN, and this turns false.
    return in_.can_receive();
}

std::error_code xrep::set_option(int level, int option, std::span<const std::byte> value) {
    if (backtrace::is_max_ttl_option(level, option))
        return backtrace::parse_max_ttl(value, max_ttl_);
    return protocol::set_option(level, option, value);
}

}  // namespace nanoport::protocols
