// protocol: one SP socket type's behaviour (PAIR, PUSH, PULL, REQ, ...), as a
// class against pipes. A core::socket owns exactly one protocol and calls it
// inside the socket's ctx (so a protocol needs no locks), for two reasons:
// pipes came, went or changed state (add/remove/readable/writable), or the user
// sends/receives. The socket derives readiness for blocking calls and for
// NN_SNDFD/NN_RCVFD from can_send()/can_receive() after each call.
//
// Raw (AF_SP_RAW) sockets are the base; cooked ones add state on top. SP
// headers (backtraces) travel in message::header(); a raw socket hands them to
// and from the user through control messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

#include "aio/fsm.hpp"
#include "aio/message.hpp"
#include "aio/worker.hpp"
#include "transport/pipe.hpp"

namespace nanoport::protocols {

// What a protocol may use of its socket beyond pipes. Protocols with timers
// (REQ's resend, SURVEYOR's deadline) are aio::fsm objects in host.ctx() and
// own aio::timers on host.timer_worker(); when a timer changes what the user
// can do, they call readiness_changed() so the socket re-reads can_send() /
// can_receive() and wakes blocked callers.
class protocol_host {
public:
    virtual aio::fsm_ctx& ctx() = 0;
    virtual aio::worker& timer_worker() = 0;
    virtual void readiness_changed() = 0;

protected:
    ~protocol_host() = default;
};

class protocol {
public:
    virtual ~protocol() = default;

    // Called once by the socket, before any other call. Protocols without
    // timers ignore it.
    virtual void attach(protocol_host& host) { (void)host; }
    // The socket is closing: stop timers (inside the ctx). idle() tells when
    // nothing the protocol started is outstanding, so it may be destroyed.
    virtual void stop() {}
    virtual bool idle() const { return true; }

    // Our SP id, e.g. 80 for PUSH, and the ids we talk to.
    virtual std::uint16_t id() const = 0;
    virtual bool accepts_peer(std::uint16_t peer_id) const;

    // Pipes. add() may refuse a pipe (PAIR with a peer already): the socket
    // then closes it, and remove() is not called for it.
    virtual std::error_code add(transport::pipe& p) = 0;
    virtual void remove(transport::pipe& p) = 0;
    virtual void readable(transport::pipe& p) = 0;
    virtual void writable(transport::pipe& p) = 0;

    // User operations. On success send() consumed m. When the operation cannot
    // proceed now, std::errc::resource_unavailable_try_again (the socket
    // blocks or returns EAGAIN). A socket type that cannot send or receive
    // returns std::errc::operation_not_supported (ENOTSUP).
    virtual std::error_code send(aio::message& m) = 0;
    virtual std::error_code receive(aio::message& m) = 0;
    virtual bool can_send() const = 0;
    virtual bool can_receive() const = 0;
    // NN_STAT_CURRENT_SND_PRIORITY: the send priority (NN_SNDPRIO, 1..16) of
    // the pipes the next message would go to, for the protocols that load-
    // balance (PUSH, REQ: nanomsg reports it for those only); 0 when no pipe
    // can take a message now, and always for the other protocols.
    virtual int current_send_priority() const { return 0; }
    // NANOPORT_STAT_DROPPED_MESSAGES: messages this protocol received or was
    // given and discarded (malformed or too deep backtraces, replies to a
    // peer that is gone, stale survey answers, messages to a full peer). The
    // protocols that never discard one keep the 0.
    virtual std::uint64_t dropped() const noexcept { return 0; }

    // Options at this protocol's level (NN_SUB, NN_REQ, ...). Unknown options:
    // std::errc::no_protocol_option (ENOPROTOOPT). value/size as in nn_setsockopt.
    virtual std::error_code set_option(int level, int option, std::span<const std::byte> value);
    // On entry size is the room in value; on exit, the option's full size.
    virtual std::error_code get_option(int level, int option, std::span<std::byte> value,
                                       std::size_t& size) const;
};

// AF_SP (cooked) = 1, AF_SP_RAW = 2, as in nn.h.
inline constexpr int domain_cooked = 1;
inline constexpr int domain_raw = 2;

// Makes the protocol for (domain, protocol number) as nn_socket takes them:
// EAFNOSUPPORT for an unknown domain, EINVAL for an unknown protocol.
std::error_code make_protocol(int domain, int protocol_id, std::unique_ptr<protocol>& out);

}  // namespace nanoport::protocols
