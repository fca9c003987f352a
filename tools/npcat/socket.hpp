// One nanomsg socket as npcat uses it: created, configured, bound and
// connected from the config, then sending and receiving whole messages with
// their SP header. Only the public nanomsg C API is used. A call that fails
// for a reason other than a timeout, EAGAIN or EFSM throws npcat::failure
// (exit status 3, as nanocat's "Can't ..." messages). Main thread only.
#pragma once

#include <string>
#include <string_view>

#include "args.hpp"

namespace npcat {

class sp_socket {
public:
    // nn_socket(domain, protocol of TYPE), then the config's options
    // (timeouts, name, receive limit, subscriptions, TLS, WebSocket message
    // type), then every bind and every connect. Says on stderr what it did when cfg.verbosity > 0.
    sp_socket(const config& cfg, int domain);
    ~sp_socket();
    sp_socket(const sp_socket&) = delete;
    sp_socket& operator=(const sp_socket&) = delete;

    enum class status {
        done,         // sent / a message was received
        timed_out,    // ETIMEDOUT
        would_block,  // EAGAIN (NN_DONTWAIT, or nanocat's "Message not sent")
        bad_state,    // EFSM: nothing to receive in this state (REQ, SURVEYOR)
    };

    // nn_sendmsg of BODY with HEADER as its SP header (raw sockets; empty: none).
    status send(std::string_view body, std::string_view header = {}, int flags = 0);

    // nn_recvmsg into BODY and, when HEADER is not null, the SP header.
    // TIMEOUT_MS (-1: for ever) becomes NN_RCVTIMEO for this call.
    status receive(std::string& body, std::string* header, int timeout_ms, int flags = 0);

    // NN_RCVFD / NN_SNDFD: readable when a message can be received / sent.
    int receive_fd() const;
    int send_fd() const;

    // The socket's nn_get_statistic values, its name and type, as one JSON
    // object on one line (no newline).
    std::string statistics_json() const;

    int handle() const { return s_; }

private:
    int fd_option(int option) const;
    void set_int(int level, int option, int value, const char* what);
    void set_tls(const tls_settings& tls);

    const config& cfg_;
    int s_ = -1;
    int receive_timeout_ms_ = -1;  // NN_RCVTIMEO as last set
};

}  // namespace npcat
