#include "exchange.hpp"

#include <random>

#include <nanomsg/nn.h>

namespace npcat {

namespace {

// nanomsg's defaults for the cooked sockets' timers, which raw sockets lack.
constexpr std::chrono::milliseconds request_resend_interval{60000};  // NN_REQ_RESEND_IVL
constexpr std::chrono::milliseconds survey_deadline{1000};           // NN_SURVEYOR_DEADLINE

constexpr std::uint32_t last_word_bit = 0x80000000u;  // marks the request id in a backtrace

std::uint32_t read_word(std::string_view bytes) {
    const auto b = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

std::string word_bytes(std::uint32_t w) {
    return {static_cast<char>(w >> 24), static_cast<char>((w >> 16) & 0xff),
            static_cast<char>((w >> 8) & 0xff), static_cast<char>(w & 0xff)};
}

// Milliseconds from NOW until T, rounded up so that a wait ends at or after T.
int millis_until(std::chrono::steady_clock::time_point t,
                 std::chrono::steady_clock::time_point now) {
    if (t <= now) return 0;
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(t - now).count());
}

}  // namespace

int exchange::domain_for(role r, bool want_request_ids) {
    const bool has_ids =
        r == role::req || r == role::rep || r == role::surveyor || r == role::respondent;
    return has_ids && want_request_ids ? AF_SP_RAW : AF_SP;
}

exchange::exchange(sp_socket& socket, role r, bool raw)
    : socket_(socket), mode_(mode::pass_through) {
    if (raw) {
        switch (r) {
            case role::req:
                mode_ = mode::raw_requester;
                break;
            case role::surveyor:
                mode_ = mode::raw_surveyor;
                break;
            case role::rep:
            case role::respondent:
                mode_ = mode::raw_responder;
                break;
            case role::push:
            case role::pull:
            case role::pub:
            case role::sub:
            case role::bus:
            case role::pair:
                break;
        }
    }
    std::random_device seed;
    next_id_ = static_cast<std::uint32_t>(seed()) & ~last_word_bit;
}

sp_socket::status exchange::send(std::string_view body, int flags) {
    switch (mode_) {
        case mode::pass_through:
            return socket_.send(body, {}, flags);
        case mode::raw_requester:
        case mode::raw_surveyor:
            return send_request(body, flags);
        case mode::raw_responder: {
            if (!reply_header_) return sp_socket::status::bad_state;  // cooked REP: EFSM
            const sp_socket::status st = socket_.send(body, *reply_header_, flags);
            if (st == sp_socket::status::done) reply_header_.reset();
            return st;
        }
    }
    return sp_socket::status::bad_state;
}

sp_socket::status exchange::receive(incoming& m, int timeout_ms, int flags) {
    switch (mode_) {
        case mode::pass_through: {
            const sp_socket::status st = socket_.receive(m.body, nullptr, timeout_ms, flags);
            m.info = {std::chrono::system_clock::now(), std::nullopt};
            return st;
        }
        case mode::raw_requester:
        case mode::raw_surveyor:
            return receive_answer(m, timeout_ms, flags);
        case mode::raw_responder:
            return receive_request(m, timeout_ms, flags);
    }
    return sp_socket::status::bad_state;
}

sp_socket::status exchange::send_request(std::string_view body, int flags) {
    const std::uint32_t id = next_id_ | last_word_bit;
    const sp_socket::status st = socket_.send(body, word_bytes(id), flags);
    if (st != sp_socket::status::done) return st;
    next_id_ = (next_id_ + 1) & ~last_word_bit;
    // A new request (survey) replaces the outstanding one, as in the cooked socket.
    outstanding_ = id;
    outstanding_body_.assign(body);
    outstanding_until_ =
        clock::now() + (mode_ == mode::raw_requester ? request_resend_interval : survey_deadline);
    return st;
}

sp_socket::status exchange::receive_answer(incoming& m, int timeout_ms, int flags) {
    if (!outstanding_) return sp_socket::status::bad_state;
    std::optional<clock::time_point> caller_deadline;
    if (timeout_ms >= 0) caller_deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string body, header;
    for (;;) {
        const clock::time_point now = clock::now();
        clock::time_point until = outstanding_until_;
        if (caller_deadline && *caller_deadline < until) until = *caller_deadline;
        const sp_socket::status st =
            socket_.receive(body, &header, millis_until(until, now), flags);
        if (st == sp_socket::status::timed_out) {
            const clock::time_point later = clock::now();
            if (later >= outstanding_until_) {
                if (mode_ == mode::raw_surveyor) {  // the survey is over
                    outstanding_.reset();
                    return st;
                }
                // Resend the request under the same id (NN_REQ_RESEND_IVL).
                const sp_socket::status resent =
                    socket_.send(outstanding_body_, word_bytes(*outstanding_), flags);
                if (resent != sp_socket::status::done && resent != sp_socket::status::would_block) {
                    return resent;
                }
                outstanding_until_ = later + request_resend_interval;
            }
            if (caller_deadline && later >= *caller_deadline) return st;
            continue;
        }
        if (st != sp_socket::status::done) return st;
        if (header.size() >= 4 && read_word(header) == *outstanding_) {
            m.body = std::move(body);
            m.info = {std::chrono::system_clock::now(), *outstanding_ & ~last_word_bit};
            if (mode_ == mode::raw_requester) outstanding_.reset();  // one reply per request
            return st;
        }
        // A reply to an older request or survey: dropped, as the cooked socket does.
    }
}

sp_socket::status exchange::receive_request(incoming& m, int timeout_ms, int flags) {
    std::string body, header;
    for (;;) {
        const sp_socket::status st = socket_.receive(body, &header, timeout_ms, flags);
        if (st != sp_socket::status::done) return st;
        // The backtrace: pipe ids (top bit clear) up to the request id (top bit set).
        for (std::size_t i = 0; i + 4 <= header.size(); i += 4) {
            const std::uint32_t word = read_word(std::string_view(header).substr(i));
            if (word & last_word_bit) {
                reply_header_ = header.substr(0, i + 4);
                m.body = std::move(body);
                m.info = {std::chrono::system_clock::now(), word & ~last_word_bit};
                return st;
            }
        }
        // No request id: malformed, dropped as the cooked socket drops it.
    }
}

}  // namespace npcat
