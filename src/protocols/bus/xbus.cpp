// xbus: raw BUS; see xbus.hpp.
#include "protocols/bus/xbus.hpp"

#include <array>
#include <atomic>
#include <memory>

namespace nanoport::protocols {

namespace {

// Shared by every BUS socket of the process, on whichever thread adds a
// pipe; only uniqueness matters, hence relaxed. 64 bits do not wrap.
std::atomic<std::uint64_t> next_origin{1};

std::array<std::byte, xbus::origin_header_size> encode_origin(std::uint64_t origin) noexcept {
    std::array<std::byte, xbus::origin_header_size> bytes;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::byte>(origin >> (8 * (bytes.size() - 1 - i)));
    }
    return bytes;
}

std::uint64_t decode_origin(std::span<const std::byte> bytes) noexcept {
    std::uint64_t origin = 0;
    for (const std::byte b : bytes) origin = (origin << 8) | std::to_integer<std::uint64_t>(b);
    return origin;
}

}  // namespace

// Only xbus sets a pipe's attachment while the pipe is ours, so the cast is
// exact; a pipe without one (never added) gives null.
xbus::pipe_state* xbus::state_of(const transport::pipe& p) noexcept {
    return static_cast<pipe_state*>(p.attachment.get());
}

std::error_code xbus::add(transport::pipe& p) {
    auto state = std::make_unique<pipe_state>();
    state->origin = next_origin.fetch_add(1, std::memory_order_relaxed);
    // The only step that can throw besides make_unique, done before the pipe
    // is linked anywhere.
    pipes_by_origin_.emplace(state->origin, &p);
    out_.add(state->out, p);
    in_.add(state->in, p);
    p.attachment = std::move(state);
    return {};
}

void xbus::remove(transport::pipe& p) {
    pipe_state* state = state_of(p);
    if (!state) return;
    pipes_by_origin_.erase(state->origin);
    out_.remove(state->out);
    in_.remove(state->in);
    p.attachment.reset();
}

void xbus::readable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) in_.readable(state->in);
}

void xbus::writable(transport::pipe& p) {
    if (pipe_state* state = state_of(p)) out_.writable(state->out);
}

std::error_code xbus::send(aio::message& m) {
    const transport::pipe* except = nullptr;
    const auto header = m.header();
    if (header.size() == origin_header_size) {
        // Unknown (stale, foreign) ids exclude nothing.
        const auto it = pipes_by_origin_.find(decode_origin(header));
        if (it != pipes_by_origin_.end()) except = it->second;
    } else if (!header.empty()) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    m.clear_header();  // local-only: never on the wire
    const auto result = out_.send(m, except);
    delivered_ += result.delivered;
    dropped_ += result.dropped;
    m = aio::message();  // consumed: the pipes hold the body now
    return {};
}

std::error_code xbus::receive(aio::message& m) {
    transport::pipe* from = nullptr;
    if (const std::error_code ec = in_.receive(m, from)) return ec;
    // Replaces whatever header came along (peers send none).
    const auto origin = encode_origin(state_of(*from)->origin);
    m.set_header(origin);
    return {};
}

bool xbus::can_send() const {
    return true;
}

bool xbus::can_receive() const {
    return in_.can_receive();
}

std::uint64_t xbus::dropped(const transport::pipe& p) const noexcept {
    const pipe_state* state = state_of(p);
    return state ? state->out.dropped : 0;
}

std::uint64_t xbus::origin_of(const transport::pipe& p) const noexcept {
    const pipe_state* state = state_of(p);
    return state ? state->origin : 0;
}

}  // namespace nanoport::protocols
