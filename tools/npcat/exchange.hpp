// The conversation npcat holds over its socket: send a message, receive the
// next one, and for REQ, REP, SURVEYOR and RESPONDENT, know the request id.
//
// A cooked socket (AF_SP) hides the SP header, so the request id cannot be
// seen there. When the id is wanted (--format json), npcat opens those four
// types raw (AF_SP_RAW) instead and does here the little the cooked socket
// would have done:
//
//  - REP, RESPONDENT: keep the header of the request just received (pipe ids,
//    then the request id, the first word with the top bit set) and send the
//    reply with it, which is all the cooked socket does;
//  - REQ: number the requests (random 31-bit start, +1 each, top bit set on
//    the wire), accept only the reply to the one outstanding request, resend
//    it every NN_REQ_RESEND_IVL (60 s, nanomsg's default). Unlike the cooked
//    socket it does not resend at once when the connection carrying the
//    request breaks; it does at the next interval;
//  - SURVEYOR: number the surveys likewise, accept only responses to the
//    current one, until NN_SURVEYOR_DEADLINE (1 s, nanomsg's default); then
//    receive says timed_out once and bad_state after that, as the cooked
//    socket's ETIMEDOUT and EFSM.
//
// Every other case passes straight through to the socket. Main thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "args.hpp"
#include "format.hpp"
#include "socket.hpp"

namespace npcat {

struct incoming {
    std::string body;
    message_info info;
};

class exchange {
public:
    // The domain to open the socket with: raw where the id is wanted.
    static int domain_for(role r, bool want_request_ids);

    exchange(sp_socket& socket, role r, bool raw);

    // Sends a message (a request, a reply to the last request received, ...).
    sp_socket::status send(std::string_view body, int flags = 0);

    // The next message, waiting at most TIMEOUT_MS (-1: for ever). status
    // bad_state: there is nothing to wait for (REQ with no request out,
    // SURVEYOR after its deadline).
    sp_socket::status receive(incoming& m, int timeout_ms, int flags = 0);

private:
    using clock = std::chrono::steady_clock;
    enum class mode { pass_through, raw_requester, raw_surveyor, raw_responder };

    sp_socket::status send_request(std::string_view body, int flags);
    sp_socket::status receive_answer(incoming& m, int timeout_ms, int flags);
    sp_socket::status receive_request(incoming& m, int timeout_ms, int flags);

    sp_socket& socket_;
    mode mode_;
    // raw_requester and raw_surveyor: the id of the next request, the one
    // outstanding (with its body, for resending) and when it is resent or
    // (survey) expires.
    std::uint32_t next_id_;
    std::optional<std::uint32_t> outstanding_;
    std::string outstanding_body_;
    clock::time_point outstanding_until_;
    // raw_responder: the header of the request being answered.
    std::optional<std::string> reply_header_;
};

}  // namespace npcat
