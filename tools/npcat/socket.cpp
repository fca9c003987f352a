#include "socket.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <nanomsg/bus.h>
#include <nanomsg/nn.h>
#include <nanomsg/pair.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>
#include <nanomsg/survey.h>
#include <nanomsg/ws.h>
#include <nanoport/extensions.h>
#include <nlohmann/json.hpp>

#include "failure.hpp"

namespace npcat {

namespace {

int protocol_of(role r) {
    switch (r) {
        case role::push:
            return NN_PUSH;
        case role::pull:
            return NN_PULL;
        case role::pub:
            return NN_PUB;
        case role::sub:
            return NN_SUB;
        case role::req:
            return NN_REQ;
        case role::rep:
            return NN_REP;
        case role::surveyor:
            return NN_SURVEYOR;
        case role::respondent:
            return NN_RESPONDENT;
        case role::bus:
            return NN_BUS;
        case role::pair:
            return NN_PAIR;
    }
    return -1;
}

[[noreturn]] void fail_call(const std::string& what) {
    throw failure(what + ": " + nn_strerror(nn_errno()), exit_socket);
}

// The statistics nanomsg defines, named as in nn.h without NN_STAT_, then
// nanoport's (nanoport/extensions.h), without NANOPORT_STAT_.
struct statistic {
    int id;
    const char* name;
};
constexpr std::array statistics{
    statistic{NN_STAT_ESTABLISHED_CONNECTIONS, "established_connections"},
    statistic{NN_STAT_ACCEPTED_CONNECTIONS, "accepted_connections"},
    statistic{NN_STAT_DROPPED_CONNECTIONS, "dropped_connections"},
    statistic{NN_STAT_BROKEN_CONNECTIONS, "broken_connections"},
    statistic{NN_STAT_CONNECT_ERRORS, "connect_errors"},
    statistic{NN_STAT_BIND_ERRORS, "bind_errors"},
    statistic{NN_STAT_ACCEPT_ERRORS, "accept_errors"},
    statistic{NN_STAT_CURRENT_CONNECTIONS, "current_connections"},
    statistic{NN_STAT_INPROGRESS_CONNECTIONS, "inprogress_connections"},
    statistic{NN_STAT_CURRENT_EP_ERRORS, "current_ep_errors"},
    statistic{NN_STAT_MESSAGES_SENT, "messages_sent"},
    statistic{NN_STAT_MESSAGES_RECEIVED, "messages_received"},
    statistic{NN_STAT_BYTES_SENT, "bytes_sent"},
    statistic{NN_STAT_BYTES_RECEIVED, "bytes_received"},
    statistic{NN_STAT_CURRENT_SND_PRIORITY, "current_snd_priority"},
    statistic{NANOPORT_STAT_FAILED_HANDSHAKES, "failed_handshakes"},
    statistic{NANOPORT_STAT_REJECTED_GREETINGS, "rejected_greetings"},
    statistic{NANOPORT_STAT_HANDSHAKE_TIMEOUTS, "handshake_timeouts"},
    statistic{NANOPORT_STAT_OVERSIZED_MESSAGES, "oversized_messages"},
    statistic{NANOPORT_STAT_MALFORMED_FRAMES, "malformed_frames"},
    statistic{NANOPORT_STAT_REFUSED_CONNECTIONS, "refused_connections"},
    statistic{NANOPORT_STAT_PENDING_CONNECTIONS, "pending_connections"},
    statistic{NANOPORT_STAT_DROPPED_MESSAGES, "dropped_messages"},
    statistic{NANOPORT_STAT_TLS_FAILURES, "tls_failures"},
    statistic{NANOPORT_STAT_WS_PROTOCOL_ERRORS, "ws_protocol_errors"},
};

// Frees an NN_MSG buffer when it goes out of scope.
struct nn_buffer {
    void* data = nullptr;
    ~nn_buffer() {
        if (data) nn_freemsg(data);
    }
};

}  // namespace

sp_socket::sp_socket(const config& cfg, int domain) : cfg_(cfg) {
    s_ = nn_socket(domain, protocol_of(cfg.socket_role));
    if (s_ < 0) fail_call("can't create a " + std::string(role_name(cfg.socket_role)) + " socket");
    try {
        if (cfg.send_timeout_ms)
            set_int(NN_SOL_SOCKET, NN_SNDTIMEO, *cfg.send_timeout_ms, "can't set the send timeout");
        if (cfg.recv_timeout_ms) {
            set_int(NN_SOL_SOCKET, NN_RCVTIMEO, *cfg.recv_timeout_ms,
                    "can't set the receive timeout");
            receive_timeout_ms_ = *cfg.recv_timeout_ms;
        }
        if (cfg.recv_max_size)
            set_int(NN_SOL_SOCKET, NN_RCVMAXSIZE, *cfg.recv_max_size,
                    "can't set the receive size limit");
        if (cfg.socket_name &&
            nn_setsockopt(s_, NN_SOL_SOCKET, NN_SOCKET_NAME, cfg.socket_name->data(),
                          cfg.socket_name->size()) < 0) {
            fail_call("can't set the socket name '" + *cfg.socket_name + "'");
        }
        if (cfg.socket_role == role::sub) {
            // No prefix given: everything (nanocat's rule).
            const std::vector<std::string> everything{""};
            for (const std::string& prefix :
                 cfg.subscriptions.empty() ? everything : cfg.subscriptions) {
                if (nn_setsockopt(s_, NN_SUB, NN_SUB_SUBSCRIBE, prefix.data(), prefix.size()) < 0) {
                    fail_call("can't subscribe to '" + prefix + "'");
                }
            }
        }
        // Read when each endpoint is made: before the binds and connects.
        set_tls(cfg.tls);
        if (cfg.ws_text) {
            set_int(NN_WS, NN_WS_MSG_TYPE, NN_WS_MSG_TYPE_TEXT,
                    "can't set the WebSocket message type to text (--ws-text)");
        }
        for (const std::string& address : cfg.bind_addresses) {
            if (nn_bind(s_, address.c_str()) < 0) fail_call("can't bind to '" + address + "'");
            if (cfg.verbosity > 0) std::fprintf(stderr, "npcat: bound to %s\n", address.c_str());
        }
        for (const std::string& address : cfg.connect_addresses) {
            if (nn_connect(s_, address.c_str()) < 0) {
                fail_call("can't connect to '" + address + "'");
            }
            if (cfg.verbosity > 0) {
                std::fprintf(stderr, "npcat: connecting to %s\n", address.c_str());
            }
        }
    } catch (...) {
        nn_close(s_);
        throw;
    }
}

sp_socket::~sp_socket() {
    // Blocks up to NN_LINGER while queued messages leave.
    nn_close(s_);
}

void sp_socket::set_int(int level, int option, int value, const char* what) {
    if (nn_setsockopt(s_, level, option, &value, sizeof value) < 0) fail_call(what);
}

void sp_socket::set_tls(const tls_settings& tls) {
    const auto set_string = [this](int option, const std::string& value, const char* what) {
        if (nn_setsockopt(s_, NANOPORT_TLS, option, value.data(), value.size()) < 0) {
            fail_call(std::string("can't set the TLS ") + what + " '" + value + "'");
        }
    };
    if (tls.ca_file) set_string(NANOPORT_TLS_CA_FILE, *tls.ca_file, "CA file");
    if (tls.cert_file) set_string(NANOPORT_TLS_CERT_FILE, *tls.cert_file, "certificate file");
    if (tls.key_file) set_string(NANOPORT_TLS_KEY_FILE, *tls.key_file, "key file");
    if (tls.server_name) set_string(NANOPORT_TLS_SERVER_NAME, *tls.server_name, "server name");
    if (tls.insecure) {
        set_int(NANOPORT_TLS, NANOPORT_TLS_AUTH_MODE, NANOPORT_TLS_AUTH_NONE,
                "can't turn off TLS verification (--insecure)");
    }
}

sp_socket::status sp_socket::send(std::string_view body, std::string_view header, int flags) {
    nn_iovec iov{const_cast<char*>(body.data()), body.size()};
    nn_msghdr hdr{};
    hdr.msg_iov = &iov;
    hdr.msg_iovlen = 1;
    // The SP header as nn_recvmsg delivers it: one PROTO_SP/SP_HDR control
    // message whose data is a size_t byte count and then the bytes.
    std::vector<unsigned char> control;
    if (!header.empty()) {
        const std::size_t data_size = sizeof(std::size_t) + header.size();
        control.assign(NN_CMSG_SPACE(data_size), 0);
        nn_cmsghdr c{};
        c.cmsg_len = NN_CMSG_LEN(data_size);
        c.cmsg_level = PROTO_SP;
        c.cmsg_type = SP_HDR;
        std::memcpy(control.data(), &c, sizeof c);
        const std::size_t n = header.size();
        std::memcpy(NN_CMSG_DATA(control.data()), &n, sizeof n);
        std::memcpy(NN_CMSG_DATA(control.data()) + sizeof n, header.data(), n);
        hdr.msg_control = control.data();
        hdr.msg_controllen = control.size();
    }
    if (nn_sendmsg(s_, &hdr, flags) >= 0) return status::done;
    switch (nn_errno()) {
        case EAGAIN:
        case EINTR:
            return status::would_block;
        case EFSM:
            return status::bad_state;
        default:
            fail_call("can't send");
    }
}

sp_socket::status sp_socket::receive(std::string& body, std::string* header, int timeout_ms,
                                     int flags) {
    if (!(flags & NN_DONTWAIT) && timeout_ms != receive_timeout_ms_) {
        set_int(NN_SOL_SOCKET, NN_RCVTIMEO, timeout_ms, "can't set the receive timeout");
        receive_timeout_ms_ = timeout_ms;
    }
    nn_buffer data, control;
    nn_iovec iov{&data.data, NN_MSG};
    nn_msghdr hdr{};
    hdr.msg_iov = &iov;
    hdr.msg_iovlen = 1;
    if (header) {
        hdr.msg_control = &control.data;
        hdr.msg_controllen = NN_MSG;
    }
    const int n = nn_recvmsg(s_, &hdr, flags);
    if (n < 0) {
        switch (nn_errno()) {
            case ETIMEDOUT:
                return status::timed_out;
            case EAGAIN:
            case EINTR:
                return status::would_block;
            case EFSM:
                return status::bad_state;
            default:
                fail_call("can't receive");
        }
    }
    body.assign(static_cast<const char*>(data.data), static_cast<std::size_t>(n));
    if (header) {
        header->clear();
        for (nn_cmsghdr* c = NN_CMSG_FIRSTHDR(&hdr); c; c = NN_CMSG_NXTHDR(&hdr, c)) {
            if (c->cmsg_level != PROTO_SP || c->cmsg_type != SP_HDR) continue;
            std::size_t size;
            std::memcpy(&size, NN_CMSG_DATA(c), sizeof size);
            header->assign(reinterpret_cast<const char*>(NN_CMSG_DATA(c)) + sizeof size, size);
            break;
        }
    }
    return status::done;
}

int sp_socket::fd_option(int option) const {
    int fd = -1;
    size_t size = sizeof fd;
    if (nn_getsockopt(s_, NN_SOL_SOCKET, option, &fd, &size) < 0) {
        fail_call(option == NN_RCVFD ? "can't get NN_RCVFD" : "can't get NN_SNDFD");
    }
    return fd;
}

int sp_socket::receive_fd() const { return fd_option(NN_RCVFD); }

int sp_socket::send_fd() const { return fd_option(NN_SNDFD); }

std::string sp_socket::statistics_json() const {
    nlohmann::ordered_json j;
    char name[64] = {};
    size_t size = sizeof name - 1;
    if (nn_getsockopt(s_, NN_SOL_SOCKET, NN_SOCKET_NAME, name, &size) == 0) {
        j["socket_name"] = std::string(name, std::strlen(name));
    }
    j["socket_type"] = role_name(cfg_.socket_role);
    for (const statistic& st : statistics) {
        errno = 0;
        const std::uint64_t v = nn_get_statistic(s_, st.id);
        if (v == static_cast<std::uint64_t>(-1) && nn_errno() != 0) {
            j[st.name] = nullptr;  // not known to this library
        } else {
            j[st.name] = v;
        }
    }
    return j.dump();
}

}  // namespace npcat
