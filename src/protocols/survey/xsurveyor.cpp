// xsurveyor: raw SURVEYOR; see xsurveyor.hpp.
#include "protocols/survey/xsurveyor.hpp"

#include <memory>
#include <utility>

namespace nanoport::protocols {

namespace backtrace = utils::backtrace;

// Only xsurveyor (and cooked surveyor) set a pipe's attachment while the
// pipe is ours, so the cast is exact; a pipe without one (never added) gives
// null.
xsurveyor::pipe_state* xsurveyor::state_of(transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::error_code xsurveyor::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    out_.add(state->out, p);
    in_.add(state->in, p);
    p.attachment = std::move(state);
    return {};
}

void xsurveyor::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    out_.remove(state->out);
    in_.remove(state->in);
    p.attachment.reset();
}

void xsurveyor::readable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) in_.readable(state->in);
}

void xsurveyor::writable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) out_.writable(state->out);
}

std::error_code xsurveyor::send(aio::message& m) {
    out_.send(m);
    const aio::message sent = std::move(m);  // consumed, as send() promises
    return {};
}

std::error_code xsurveyor::receive(aio::message& m) {
    aio::message got;
    while (!in_.receive(got)) {
        if (backtrace::take(got, max_ttl_)) {
            m = std::move(got);
            return {};
        }
        ++dropped_;  // malformed or over the TTL; try the next message
    }
    return std::make_error_code(std::errc::resource_unavailable_try_again);
}

bool xsurveyor::can_send() const { return true; }

bool xsurveyor::can_receive() const {
    // True while some pipe has a message. Should every pending message be
    // malformed, receive() drops them and says EAGAIN, and this turns false.
    return in_.can_receive();
}

std::error_code xsurveyor::set_option(int level, int option, std::span<const std::byte> value) {
    if (backtrace::is_max_ttl_option(level, option))
        return backtrace::parse_max_ttl(value, max_ttl_);
    return protocol::set_option(level, option, value);
}

}  // namespace nanoport::protocols
