#include "core/device.hpp"

#include "core/poll.hpp"
#include "nanomsg/nn.h"

namespace nanoport::core {

namespace {

struct socket_kind {
    int domain = 0;
    int protocol = 0;
};

std::error_code describe(socket_table& table, int handle, socket_kind& out) {
    socket_table::ref s;
    if (std::error_code ec = table.hold(handle, s)) return ec;
    out = {s->domain(), s->protocol_number()};
    return {};
}

bool nothing_to_do(const std::error_code& ec) {
    return ec == std::errc::resource_unavailable_try_again || ec == std::errc::timed_out;
}

// Moves one message. A receive that finds nothing (EAGAIN, or the user's
// NN_RCVTIMEO) and a send that cannot proceed (message dropped) are no error.
std::error_code forward(socket_table& table, int from, int to, int receive_flags, int send_flags) {
    aio::message m;
    {
        socket_table::ref s;
        if (std::error_code ec = table.hold(from, s)) return ec;
        const std::error_code ec = s->receive(m, receive_flags);
        if (nothing_to_do(ec)) return {};
        if (ec) return ec;
    }
    socket_table::ref s;
    if (std::error_code ec = table.hold(to, s)) return ec;
    const std::error_code ec = s->send(m, send_flags);
    return nothing_to_do(ec) ? std::error_code() : ec;
}

std::error_code invalid() { return std::make_error_code(std::errc::invalid_argument); }

}  // namespace

std::error_code run_device(socket_table& table, int s1, int s2) {
    if (s1 < 0 && s2 < 0) return std::make_error_code(std::errc::bad_file_descriptor);

    if (s1 < 0 || s2 < 0) {
        const int s = s1 < 0 ? s2 : s1;
        socket_kind kind;
        if (std::error_code ec = describe(table, s, kind)) return ec;
        if (kind.domain != AF_SP_RAW) return invalid();
        for (;;) {
            if (std::error_code ec = forward(table, s, s, 0, 0)) return ec;
        }
    }

    socket_kind a, b;
    if (std::error_code ec = describe(table, s1, a)) return ec;
    if (std::error_code ec = describe(table, s2, b)) return ec;
    if (a.domain != AF_SP_RAW || b.domain != AF_SP_RAW) return invalid();
    if (a.protocol / 16 != b.protocol / 16) return invalid();

    const bool a_receives = protocol_receives(a.protocol), a_sends = protocol_sends(a.protocol);
    const bool b_receives = protocol_receives(b.protocol), b_sends = protocol_sends(b.protocol);
    if ((a_receives && !b_sends) || (a_sends && !b_receives) || (b_receives && !a_sends) ||
        (b_sends && !a_receives)) {
        return invalid();
    }

    if (a_receives && a_sends && b_receives && b_sends) {
        // Both ways on one thread: wait for either side, move what is there.
        // Sends must not block here, or one full side would stall the other.
        for (;;) {
            poll_item items[2];
            items[0].handle = s1;
            items[0].want_receive = true;
            items[1].handle = s2;
            items[1].want_receive = true;
            int ready = 0;
            if (std::error_code ec = poll(table, items, -1, ready)) return ec;
            if (items[0].can_receive) {
                if (std::error_code ec = forward(table, s1, s2, NN_DONTWAIT, NN_DONTWAIT))
                    return ec;
            }
            if (items[1].can_receive) {
                if (std::error_code ec = forward(table, s2, s1, NN_DONTWAIT, NN_DONTWAIT))
                    return ec;
            }
        }
    }
    const int from = a_receives ? s1 : s2;
    const int to = a_receives ? s2 : s1;
    for (;;) {
        if (std::error_code ec = forward(table, from, to, 0, 0)) return ec;
    }
}

}  // namespace nanoport::core
