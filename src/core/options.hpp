// options: the values a socket keeps for nn_setsockopt/nn_getsockopt at the
// socket level (NN_SOL_SOCKET) and at the transport levels (NN_TCP, NN_IPC,
// NN_WS, NN_INPROC), with nanomsg's validation rules and defaults.
//
// Rules (as nanomsg 1.1.5 applies them; see tests/core/options_test.cpp):
// - An int option is set from exactly sizeof(int) bytes, else EINVAL; that
//   size check comes before the option is even looked up, so an unknown
//   option with a wrong size is EINVAL too. Getting an int copies at most
//   sizeof(int) bytes and reports sizeof(int).
// - Unknown options and read-only ones (DOMAIN, PROTOCOL, SNDFD, RCVFD: the
//   socket answers those itself) are ENOPROTOOPT for set.
// - Ranges: SNDBUF, RCVBUF > 0; RCVMAXSIZE >= -1; RECONNECT_IVL(_MAX) >= 0;
//   SNDPRIO, RCVPRIO 1..16; IPV4ONLY and TCP_NODELAY 0 or 1; MAXTTL 1..255;
//   WS_MSG_TYPE text (1) or binary (2); SOCKET_NAME at most 63 bytes.
// - nanoport's own (nanoport/extensions.h): NANOPORT_MAX_PENDING_CONNECTIONS
//   and NANOPORT_HANDSHAKE_TIMEOUT (NN_SOL_SOCKET) >= 1; NANOPORT_IPC_PERMISSIONS (NN_IPC) -1 or 0..0777,
//   from exactly an int (unlike nanomsg's own NN_IPC options).
//   LINGER and the timeouts take any value (negative = infinite).
//   At NANOPORT_TLS: the file names and server name are strings of any
//   length up to 4095 bytes without NUL (empty: unset); getting one copies
//   min(room, length) bytes and reports the length. AUTH_MODE is -1..2.
// - SOCKET_NAME reads like strncpy: min(room, length) bytes, the rest of the
//   room zero-filled, and the reported size is the length (no terminator).
//
// Threads: none of its own; a socket calls these inside its ctx.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <system_error>

#include "transport/pipe.hpp"

namespace nanoport::core {

struct options {
    // NN_SOL_SOCKET. Defaults are nanomsg's (WIRE.md).
    int linger_ms = 1000;  // nanomsg documents 1000 (its 1.1.5 reports 0 and ignores it)
    int send_buffer = 128 * 1024;
    int receive_buffer = 128 * 1024;
    int send_timeout_ms = -1;
    int receive_timeout_ms = -1;
    int reconnect_interval_ms = 100;
    int reconnect_interval_max_ms = 0;
    int send_priority = 8;
    int receive_priority = 8;
    int ipv4_only = 1;
    int receive_max_size = 1024 * 1024;
    int max_ttl = 8;
    int max_pending_connections = 1024;  // NANOPORT_MAX_PENDING_CONNECTIONS
    int handshake_timeout_ms = 1000;     // NANOPORT_HANDSHAKE_TIMEOUT
    std::string name;  // NN_SOCKET_NAME; the socket table sets the handle number

    // Transport levels.
    int tcp_nodelay = 0;                 // NN_TCP / NN_TCP_NODELAY
    const void* ipc_security = nullptr;  // NN_IPC / NN_IPC_SEC_ATTR (Windows; kept, unused)
    int ipc_out_buffer = 4096;           // NN_IPC / NN_IPC_OUTBUFSZ (Windows; kept, unused)
    int ipc_in_buffer = 4096;            // NN_IPC / NN_IPC_INBUFSZ (Windows; kept, unused)
    int ipc_permissions = -1;            // NN_IPC / NANOPORT_IPC_PERMISSIONS; -1: the umask's
    int ws_message_type = 2;             // NN_WS / NN_WS_MSG_TYPE (binary)
    transport::tls_settings tls;         // NANOPORT_TLS / NANOPORT_TLS_*

    // What pipes and endpoints read (socket_hooks::current_options).
    transport::pipe_options pipe_view() const;
};

// Sets a stored option. no_protocol_option when (level, option) is not one of
// the options above; invalid_argument for a bad size or value.
std::error_code set_option(options& o, int level, int option, std::span<const std::byte> value);

// Reads a stored option into value (at most value.size() bytes); size is set
// to the option's full size. no_protocol_option when it is not stored here.
std::error_code get_option(const options& o, int level, int option, std::span<std::byte> value,
                           std::size_t& size);

// A duration as the int milliseconds of a time option (NN_SNDTIMEO, ...):
// negative means none (-1), anything above INT_MAX is INT_MAX.
int option_milliseconds(std::chrono::milliseconds t) noexcept;

// Writes an int option the nanomsg way: min(room, sizeof(int)) bytes, size =
// sizeof(int). For the options the socket answers itself.
void put_int(int v, std::span<std::byte> value, std::size_t& size) noexcept;

}  // namespace nanoport::core
