// fq: the fair queue a protocol receives through (PULL; later REP, SUB,
// RESPONDENT, BUS). nanomsg's nn_fq.
//
// Messages are taken from the readable pipes of the best receive priority, one
// message per pipe in turn (round robin), so a busy peer cannot starve a quiet
// one of the same priority. Pipes of a worse priority are read only while no
// better pipe has a message. A pipe whose receive() says it has no more leaves
// the round until readable() brings it back. With nothing to read, receive()
// says resource_unavailable_try_again.
//
// Callers: a protocol, inside the socket's ctx (no locks). O(1) per call, no
// allocation: the protocol keeps one fq::node per pipe in its pipe_attachment.
#pragma once

#include <system_error>

#include "aio/message.hpp"
#include "protocols/utils/priolist.hpp"
#include "transport/pipe.hpp"

namespace nanoport::protocols::utils {

class fq {
public:
    using node = priolist_node;

    // A pipe after pipe_added has nothing to read yet (pipe contract): it is
    // registered under p.receive_priority() and waits for readable().
    void add(node& n, transport::pipe& p) noexcept;
    // Forgets the pipe; n may be destroyed afterwards.
    void remove(node& n) noexcept { pipes_.remove(n); }
    // The pipe has a message again after reporting it had no more.
    void readable(node& n) noexcept { pipes_.activate(n); }

    // Exact as long as pipes keep their contract (a pipe reported readable
    // gives at least one message).
    bool can_receive() const noexcept { return !pipes_.empty(); }

    // Takes the next message into m; `from` says which pipe it came from
    // (REP keys its backtrace on it).
    std::error_code receive(aio::message& m) noexcept;
    std::error_code receive(aio::message& m, transport::pipe*& from) noexcept;

private:
    priolist pipes_;  // active = readable
};

}  // namespace nanoport::protocols::utils
