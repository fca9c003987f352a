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
        // Both ways on one thread. A message is taken from one side only
        // when the other side can send it at once, so nothing is dropped
        // while, say, a raw REQ has no REP connected yet: it waits in its
        // socket until one is. waiting[i]: side i has a message but the
        // other side cannot take it; then side i's readability is known and
        // the poll waits for the other side's writability instead.
        const int handles[2] = {s1, s2};
        bool waiting[2] = {false, false};
        for (;;) {
            poll_item wait[2];
            for (int i = 0; i < 2; ++i) {
                wait[i].handle = handles[i];
                wait[i].want_receive = !waiting[i];
                wait[i].want_send = waiting[1 - i];
            }
            int ready = 0;
            if (std::error_code ec = poll(table, wait, -1, ready)) return ec;
            // The whole picture, without waiting: what each side can do now.
            poll_item now[2];
            for (int i = 0; i < 2; ++i) {
                now[i].handle = handles[i];
                now[i].want_receive = true;
                now[i].want_send = true;
            }
            if (std::error_code ec = poll(table, now, 0, ready)) return ec;
            for (int i = 0; i < 2; ++i) {
                const int from = handles[i];
                const int to = handles[1 - i];
                waiting[i] = now[i].can_receive && !now[1 - i].can_send;
                if (now[i].can_receive && now[1 - i].can_send) {
                    if (std::error_code ec = forward(table, from, to, NN_DONTWAIT, NN_DONTWAIT))
                        return ec;
                }
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
