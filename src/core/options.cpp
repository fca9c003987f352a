#include "core/options.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>

#include "nanomsg/ipc.h"
#include "nanomsg/nn.h"
#include "nanomsg/tcp.h"
#include "nanomsg/ws.h"
#include "nanoport/extensions.h"

namespace nanoport::core {

namespace {

std::error_code invalid() { return std::make_error_code(std::errc::invalid_argument); }
std::error_code unknown() { return std::make_error_code(std::errc::no_protocol_option); }

// The int in value, or invalid_argument when value is not exactly an int.
std::error_code read_int(std::span<const std::byte> value, int& out) {
    if (value.size() != sizeof(int)) return invalid();
    std::memcpy(&out, value.data(), sizeof(int));
    return {};
}

std::error_code set_in_range(int& field, int v, int low, int high) {
    if (v < low || v > high) return invalid();
    field = v;
    return {};
}

constexpr int any_min = std::numeric_limits<int>::min();
constexpr int any_max = std::numeric_limits<int>::max();

std::error_code set_socket_level(options& o, int option, std::span<const std::byte> value) {
    if (option == NN_SOCKET_NAME) {
        if (value.size() > 63) return invalid();
        o.name.assign(reinterpret_cast<const char*>(value.data()), value.size());
        // Like nanomsg, the name ends at an embedded NUL.
        o.name.resize(std::strlen(o.name.c_str()));
        return {};
    }
    int v;
    if (std::error_code ec = read_int(value, v)) return ec;
    switch (option) {
        case NN_LINGER:
            return set_in_range(o.linger_ms, v, any_min, any_max);
        case NN_SNDBUF:
            return set_in_range(o.send_buffer, v, 1, any_max);
        case NN_RCVBUF:
            return set_in_range(o.receive_buffer, v, 1, any_max);
        case NN_SNDTIMEO:
            return set_in_range(o.send_timeout_ms, v, any_min, any_max);
        case NN_RCVTIMEO:
            return set_in_range(o.receive_timeout_ms, v, any_min, any_max);
        case NN_RECONNECT_IVL:
            return set_in_range(o.reconnect_interval_ms, v, 0, any_max);
        case NN_RECONNECT_IVL_MAX:
            return set_in_range(o.reconnect_interval_max_ms, v, 0, any_max);
        case NN_SNDPRIO:
            return set_in_range(o.send_priority, v, 1, 16);
        case NN_RCVPRIO:
            return set_in_range(o.receive_priority, v, 1, 16);
        case NN_IPV4ONLY:
            return set_in_range(o.ipv4_only, v, 0, 1);
        case NN_RCVMAXSIZE:
            return set_in_range(o.receive_max_size, v, -1, any_max);
        case NN_MAXTTL:
            return set_in_range(o.max_ttl, v, 1, 255);
        case NANOPORT_MAX_PENDING_CONNECTIONS:
            return set_in_range(o.max_pending_connections, v, 1, any_max);
        case NANOPORT_HANDSHAKE_TIMEOUT:
            return set_in_range(o.handshake_timeout_ms, v, 1, any_max);
        default:
            return unknown();
    }
}

std::error_code get_socket_level(const options& o, int option, std::span<std::byte> value,
                                 std::size_t& size) {
    int v = 0;
    switch (option) {
        case NN_SOCKET_NAME: {
            const std::size_t n = std::min(value.size(), o.name.size());
            std::memcpy(value.data(), o.name.data(), n);
            std::fill(value.begin() + static_cast<std::ptrdiff_t>(n), value.end(), std::byte{0});
            size = o.name.size();
            return {};
        }
        case NN_LINGER:
            v = o.linger_ms;
            break;
        case NN_SNDBUF:
            v = o.send_buffer;
            break;
        case NN_RCVBUF:
            v = o.receive_buffer;
            break;
        case NN_SNDTIMEO:
            v = o.send_timeout_ms;
            break;
        case NN_RCVTIMEO:
            v = o.receive_timeout_ms;
            break;
        case NN_RECONNECT_IVL:
            v = o.reconnect_interval_ms;
            break;
        case NN_RECONNECT_IVL_MAX:
            v = o.reconnect_interval_max_ms;
            break;
        case NN_SNDPRIO:
            v = o.send_priority;
            break;
        case NN_RCVPRIO:
            v = o.receive_priority;
            break;
        case NN_IPV4ONLY:
            v = o.ipv4_only;
            break;
        case NN_RCVMAXSIZE:
            v = o.receive_max_size;
            break;
        case NN_MAXTTL:
            v = o.max_ttl;
            break;
        case NANOPORT_MAX_PENDING_CONNECTIONS:
            v = o.max_pending_connections;
            break;
        case NANOPORT_HANDSHAKE_TIMEOUT:
            v = o.handshake_timeout_ms;
            break;
        default:
            return unknown();
    }
    put_int(v, value, size);
    return {};
}


// NANOPORT_TLS: file names and the server name are strings (no NUL, up to
// PATH_MAX - 1 bytes); AUTH_MODE an int, -1 (the default) .. REQUIRED.
std::string* tls_string(transport::tls_settings& t, int option) {
    switch (option) {
        case NANOPORT_TLS_CA_FILE:
            return &t.ca_file;
        case NANOPORT_TLS_CERT_FILE:
            return &t.cert_file;
        case NANOPORT_TLS_KEY_FILE:
            return &t.key_file;
        case NANOPORT_TLS_SERVER_NAME:
            return &t.server_name;
        default:
            return nullptr;
    }
}

std::error_code set_tls(transport::tls_settings& t, int option, std::span<const std::byte> value) {
    if (option == NANOPORT_TLS_AUTH_MODE) {
        int v;
        if (std::error_code ec = read_int(value, v)) return ec;
        return set_in_range(t.auth_mode, v, -1, NANOPORT_TLS_AUTH_REQUIRED);
    }
    std::string* field = tls_string(t, option);
    if (!field) return unknown();
    constexpr std::size_t max_length = 4095;
    const auto* text = reinterpret_cast<const char*>(value.data());
    if (value.size() > max_length || std::memchr(text, 0, value.size()) != nullptr) return invalid();
    field->assign(text, value.size());
    return {};
}

std::error_code get_tls(const transport::tls_settings& t, int option, std::span<std::byte> value,
                        std::size_t& size) {
    if (option == NANOPORT_TLS_AUTH_MODE) {
        put_int(t.auth_mode, value, size);
        return {};
    }
    const std::string* field = tls_string(const_cast<transport::tls_settings&>(t), option);
    if (!field) return unknown();
    std::memcpy(value.data(), field->data(), std::min(value.size(), field->size()));
    size = field->size();
    return {};
}

}  // namespace

transport::pipe_options options::pipe_view() const {
    transport::pipe_options p;
    p.send_buffer = static_cast<std::size_t>(send_buffer);
    p.receive_buffer = static_cast<std::size_t>(receive_buffer);
    p.receive_max_size = receive_max_size;
    p.send_priority = send_priority;
    p.receive_priority = receive_priority;
    p.tcp_nodelay = tcp_nodelay != 0;
    p.ipv4_only = ipv4_only != 0;
    p.reconnect_interval_ms = reconnect_interval_ms;
    p.reconnect_interval_max_ms = reconnect_interval_max_ms;
    p.max_pending_connections = max_pending_connections;
    p.handshake_timeout_ms = handshake_timeout_ms;
    p.ipc_permissions = ipc_permissions;
    p.ws_message_type = ws_message_type;
    return p;
}

void put_int(int v, std::span<std::byte> value, std::size_t& size) noexcept {
    std::memcpy(value.data(), &v, std::min(value.size(), sizeof(int)));
    size = sizeof(int);
}

std::error_code set_option(options& o, int level, int option, std::span<const std::byte> value) {
    switch (level) {
        case NN_SOL_SOCKET:
            return set_socket_level(o, option, value);
        case NN_TCP:
            if (option != NN_TCP_NODELAY) {
                // nanomsg checks the size first at the transport levels too.
                return value.size() != sizeof(int) ? invalid() : unknown();
            }
            {
                int v;
                if (std::error_code ec = read_int(value, v)) return ec;
                return set_in_range(o.tcp_nodelay, v, 0, 1);
            }
        case NN_IPC:
            if (option == NANOPORT_IPC_PERMISSIONS) {
                int v;
                if (std::error_code ec = read_int(value, v)) return ec;
                return set_in_range(o.ipc_permissions, v, -1, 0777);  // -1: the default
            }
            // nanomsg's IPC options take "at least an int"; the security
            // attributes option keeps the caller's pointer (a Windows
            // SECURITY_ATTRIBUTES*), as nanomsg does.
            if (value.size() < sizeof(int)) return invalid();
            switch (option) {
                case NN_IPC_SEC_ATTR:
                    o.ipc_security = value.data();
                    return {};
                case NN_IPC_OUTBUFSZ:
                    std::memcpy(&o.ipc_out_buffer, value.data(), sizeof(int));
                    return {};
                case NN_IPC_INBUFSZ:
                    std::memcpy(&o.ipc_in_buffer, value.data(), sizeof(int));
                    return {};
                default:
                    return unknown();
            }
        case NANOPORT_TLS:
            return set_tls(o.tls, option, value);
        case NN_WS:
            if (option != NN_WS_MSG_TYPE)
                return value.size() != sizeof(int) ? invalid() : unknown();
            {
                int v;
                if (std::error_code ec = read_int(value, v)) return ec;
                return set_in_range(o.ws_message_type, v, NN_WS_MSG_TYPE_TEXT,
                                    NN_WS_MSG_TYPE_BINARY);
            }
        default:
            return unknown();
    }
}

std::error_code get_option(const options& o, int level, int option, std::span<std::byte> value,
                           std::size_t& size) {
    switch (level) {
        case NN_SOL_SOCKET:
            return get_socket_level(o, option, value, size);
        case NN_TCP:
            if (option != NN_TCP_NODELAY) return unknown();
            put_int(o.tcp_nodelay, value, size);
            return {};
        case NN_IPC:
            switch (option) {
                case NN_IPC_SEC_ATTR:
                    std::memcpy(value.data(), &o.ipc_security,
                                std::min(value.size(), sizeof(void*)));
                    size = sizeof(void*);
                    return {};
                case NN_IPC_OUTBUFSZ:
                    put_int(o.ipc_out_buffer, value, size);
                    return {};
                case NN_IPC_INBUFSZ:
                    put_int(o.ipc_in_buffer, value, size);
                    return {};
                case NANOPORT_IPC_PERMISSIONS:
                    put_int(o.ipc_permissions, value, size);
                    return {};
                default:
                    return unknown();
            }
        case NN_WS:
            if (option != NN_WS_MSG_TYPE) return unknown();
            put_int(o.ws_message_type, value, size);
            return {};
        case NANOPORT_TLS:
            return get_tls(o.tls, option, value, size);
        default:
            return unknown();
    }
}

int option_milliseconds(std::chrono::milliseconds t) noexcept {
    if (t.count() < 0) return -1;
    return static_cast<int>(std::min<std::chrono::milliseconds::rep>(t.count(), INT_MAX));
}

}  // namespace nanoport::core
