// npcat's command line: nanocat's options with nanocat's meanings, nngcat's
// --count/--recv-maxsz/--version and TLS options (--cacert, --cert, --key,
// --insecure), and npcat's own (--format json, --stats, --server-name,
// --ws-text).
//
// parse_args() is pure: it reads no file, opens no socket and prints
// nothing, so that a fuzzer can drive it; main.cpp prints what it returns
// and run.cpp acts on the config (checking first that the files it names
// can be read). The option table and the help text are in args.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format.hpp"

namespace npcat {

// The socket type, named as on the command line (--push, ...) and in the
// program name (np_push, ...).
enum class role { push, pull, pub, sub, req, rep, surveyor, respondent, bus, pair };

std::string_view role_name(role r);  // "push", ...
// Whether a socket of this type sends messages of its own accord (nanocat's
// "writeable": everything but PULL and SUB) and whether it receives (all but
// PUSH and PUB).
bool role_sends(role r);
bool role_receives(role r);

// Where the messages to send come from.
struct data_source {
    enum class kind {
        standard_input_lines,  // neither -D nor -F: stdin, one message per line
        literal,               // -D DATA: value is DATA
        file,                  // -F PATH: value is PATH ("-": all of stdin, one message)
    };
    kind from = kind::standard_input_lines;
    std::string value;
};

// TLS for the tls+tcp:// and wss:// endpoints: NANOPORT_TLS options
// (nanoport/extensions.h), set on the socket before any bind or connect.
// Unset ones keep the library's defaults: a dialer verifies the server
// against the system's CAs, a listener asks for no client certificate.
struct tls_settings {
    std::optional<std::string> ca_file;      // --cacert: CAs that verify the peer
    std::optional<std::string> cert_file;    // --cert, -E: our certificate chain (PEM)
    std::optional<std::string> key_file;     // --key: its key; unset: read from cert_file
    std::optional<std::string> server_name;  // --server-name: the name the server's
                                             // certificate must carry, sent as SNI
    bool insecure = false;                   // --insecure, -k: no verification at all

    bool any() const { return ca_file || cert_file || key_file || server_name || insecure; }
};

struct config {
    role socket_role = role::pair;
    std::vector<std::string> bind_addresses;     // bound first, in order
    std::vector<std::string> connect_addresses;  // then connected, in order
    std::optional<int> recv_timeout_ms;          // NN_RCVTIMEO; unset: wait for ever
    std::optional<int> send_timeout_ms;          // NN_SNDTIMEO
    std::optional<std::string> socket_name;      // NN_SOCKET_NAME
    std::vector<std::string> subscriptions;      // SUB prefixes; none: everything
    format echo = format::none;                  // how received messages are printed
    data_source data;
    std::optional<int> interval_ms;    // -i: repeat -D/-F data (or pace stdin lines)
    int delay_ms = 0;                  // -d: wait before the first send
    int verbosity = 0;                 // -v adds one, -q takes one away
    std::uint64_t count = 0;           // --count: stop after this many messages; 0: no limit
    std::optional<int> recv_max_size;  // NN_RCVMAXSIZE in bytes, -1 unlimited
    bool stats = false;                // --stats: statistics as JSON on stderr at exit
    tls_settings tls;
    bool ws_text = false;  // --ws-text: ws:// and wss:// send text frames (NN_WS_MSG_TYPE)
};

struct parse_result {
    enum class action {
        run,      // cfg is complete and consistent
        help,     // --help/-h: print help_text()
        version,  // --version: print the version
        fail,     // error says why (one line, without a program-name prefix)
    };
    action what = action::fail;
    config cfg;
    std::string error;
    // With action::run: options that will have no effect (one line each,
    // without a program-name prefix); main.cpp prints them unless -q.
    std::vector<std::string> warnings;
};

// ARGV as main() gets it; argv[0] (may be empty) names the program, and a
// name np_<type> (np_push, ...) selects that socket type. Never throws for
// any input, other than std::bad_alloc.
parse_result parse_args(const std::vector<std::string>& argv);

// The --help text for a program called PROGRAM.
std::string help_text(std::string_view program);

}  // namespace npcat
