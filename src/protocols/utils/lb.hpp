// lb: the load balancer a protocol sends through (PUSH; later REQ).
// nanomsg's nn_lb.
//
// Each message goes to one writable pipe: the next one in strict round robin
// among the writable pipes of the best send priority (WIRE.md: "REQ sends each
// new request to the next pipe in strict round-robin order (among the pipes of
// the best priority); PUSH likewise"). Pipes of a worse priority are used only
// while no better pipe is writable. A pipe whose send() reports it full leaves
// the round until writable() brings it back. With no writable pipe, send()
// says resource_unavailable_try_again and leaves the message with the caller.
//
// Callers: a protocol, inside the socket's ctx (no locks). O(1) per call, no
// allocation: the protocol keeps one lb::node per pipe in its pipe_attachment.
#pragma once

#include <system_error>

#include "aio/message.hpp"
#include "protocols/utils/priolist.hpp"
#include "transport/pipe.hpp"

namespace nanoport::protocols::utils {

class lb {
public:
    using node = priolist_node;

    // A pipe after pipe_added is writable (pipe contract), so it joins the
    // round at once, under p.send_priority().
    void add(node& n, transport::pipe& p) noexcept;
    // Forgets the pipe; n may be destroyed afterwards.
    void remove(node& n) noexcept { pipes_.remove(n); }
    // The pipe takes messages again after reporting full.
    void writable(node& n) noexcept { pipes_.activate(n); }

    // Exact: true iff send() would succeed now.
    bool can_send() const noexcept { return !pipes_.empty(); }
    // Send priority of the pipe the next message would go to; 0 when none.
    int current_priority() const noexcept { return pipes_.current_priority(); }

    // Hands m to the next pipe, consuming it; `to` says which pipe took it
    // (REQ remembers it to resend when that pipe goes away).
    std::error_code send(aio::message& m) noexcept;
    std::error_code send(aio::message& m, transport::pipe*& to) noexcept;

private:
    priolist pipes_;  // active = writable
};

}  // namespace nanoport::protocols::utils
