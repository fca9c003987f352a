#include "args.hpp"

#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <initializer_list>

namespace npcat {

namespace {

enum class opt {
    verbose,
    silent,
    help,
    version,
    socket_type,  // spec.type says which
    bind,
    connect,
    bind_ipc,
    connect_ipc,
    bind_local,
    connect_local,
    recv_timeout,
    send_timeout,
    socket_name,
    subscribe,
    format_name,    // --format NAME
    format_switch,  // --raw, --ascii, ...: spec.echo says which
    interval,
    delay,
    data,
    file,
    count,
    recv_maxsz,
    insecure,
    ca_file,
    cert_file,
    key_file,
    server_name,
    ws_text,
    stats,
};

struct option_spec {
    std::string_view long_name;
    char short_name;  // 0: none
    bool takes_value;
    opt id;
    role type = role::pair;      // for opt::socket_type
    format echo = format::none;  // for opt::format_switch
};

// nanocat's options in nanocat's order, then nngcat's and npcat's.
constexpr std::array options{
    option_spec{"verbose", 'v', false, opt::verbose},
    option_spec{"silent", 'q', false, opt::silent},
    option_spec{"help", 'h', false, opt::help},
    option_spec{"push", 0, false, opt::socket_type, role::push},
    option_spec{"pull", 0, false, opt::socket_type, role::pull},
    option_spec{"pub", 0, false, opt::socket_type, role::pub},
    option_spec{"sub", 0, false, opt::socket_type, role::sub},
    option_spec{"req", 0, false, opt::socket_type, role::req},
    option_spec{"rep", 0, false, opt::socket_type, role::rep},
    option_spec{"surveyor", 0, false, opt::socket_type, role::surveyor},
    option_spec{"respondent", 0, false, opt::socket_type, role::respondent},
    option_spec{"bus", 0, false, opt::socket_type, role::bus},
    option_spec{"pair", 0, false, opt::socket_type, role::pair},
    option_spec{"bind", 0, true, opt::bind},
    option_spec{"connect", 0, true, opt::connect},
    option_spec{"bind-ipc", 'X', true, opt::bind_ipc},
    option_spec{"connect-ipc", 'x', true, opt::connect_ipc},
    option_spec{"bind-local", 'L', true, opt::bind_local},
    option_spec{"connect-local", 'l', true, opt::connect_local},
    option_spec{"recv-timeout", 0, true, opt::recv_timeout},
    option_spec{"send-timeout", 0, true, opt::send_timeout},
    option_spec{"socket-name", 0, true, opt::socket_name},
    option_spec{"subscribe", 0, true, opt::subscribe},
    option_spec{"format", 0, true, opt::format_name},
    option_spec{"raw", 0, false, opt::format_switch, role::pair, format::raw},
    option_spec{"ascii", 'A', false, opt::format_switch, role::pair, format::ascii},
    option_spec{"quoted", 'Q', false, opt::format_switch, role::pair, format::quoted},
    option_spec{"msgpack", 0, false, opt::format_switch, role::pair, format::msgpack},
    option_spec{"hex", 0, false, opt::format_switch, role::pair, format::hex},
    option_spec{"json", 0, false, opt::format_switch, role::pair, format::json},
    option_spec{"interval", 'i', true, opt::interval},
    option_spec{"delay", 'd', true, opt::delay},
    option_spec{"data", 'D', true, opt::data},
    option_spec{"file", 'F', true, opt::file},
    option_spec{"count", 'C', true, opt::count},
    option_spec{"recv-maxsz", 'Z', true, opt::recv_maxsz},
    option_spec{"insecure", 'k', false, opt::insecure},
    option_spec{"cacert", 0, true, opt::ca_file},
    option_spec{"cert", 'E', true, opt::cert_file},
    option_spec{"key", 0, true, opt::key_file},
    option_spec{"server-name", 0, true, opt::server_name},
    option_spec{"ws-text", 0, false, opt::ws_text},
    option_spec{"stats", 0, false, opt::stats},
    option_spec{"version", 0, false, opt::version},
};

constexpr std::array all_roles{role::push, role::pull,     role::pub,        role::sub, role::req,
                               role::rep,  role::surveyor, role::respondent, role::bus, role::pair};

// "-D (--data)" or "--bind": how errors name an option.
std::string spelling(const option_spec& spec) {
    std::string s;
    if (spec.short_name) {
        s = std::string("-") + spec.short_name + " (--" + std::string(spec.long_name) + ")";
    } else {
        s = "--" + std::string(spec.long_name);
    }
    return s;
}

// Whether ADDRESS names a transport of SCHEMES ("tls+tcp://", ...).
bool uses_scheme(const std::string& address, std::initializer_list<std::string_view> schemes) {
    for (std::string_view scheme : schemes) {
        if (address.starts_with(scheme)) return true;
    }
    return false;
}

// What an option given on the command line needs of the socket type,
// checked once the type is known (nanocat's "requires").
enum class need { sending_type, receiving_type, sub_type };

struct pending_check {
    std::string option;  // spelling
    need what;
};

class parser {
public:
    explicit parser(const std::vector<std::string>& argv) : argv_(argv) {}

    parse_result run() {
        if (!argv_.empty()) type_from_program_name(argv_[0]);
        std::size_t i = 1;
        bool options_ended = false;
        while (i < argv_.size() && !stopped()) {
            const std::string& arg = argv_[i++];
            if (options_ended || arg.size() < 2 || arg[0] != '-') {
                fail("unexpected argument '" + arg + "' (npcat takes options only)");
            } else if (arg == "--") {
                options_ended = true;
            } else if (arg[1] == '-') {
                long_option(arg, i);
            } else {
                short_options(arg, i);
            }
        }
        if (stopped()) return result_;
        return finish();
    }

private:
    // Whether parsing ended early: an error, --help or --version.
    bool stopped() const { return stopped_; }

    parse_result fail(std::string message) {
        result_.what = parse_result::action::fail;
        result_.error = std::move(message);
        stopped_ = true;
        return result_;
    }

    void stop_with(parse_result::action what) {
        result_.what = what;
        stopped_ = true;
    }

    void type_from_program_name(std::string_view program) {
        const std::size_t slash = program.rfind('/');
        if (slash != std::string_view::npos) program.remove_prefix(slash + 1);
        if (!program.starts_with("np_")) return;
        program.remove_prefix(3);
        for (role r : all_roles) {
            if (program == role_name(r)) {
                type_ = r;
                type_spelling_ = "np_" + std::string(program) + " (the program name)";
            }
        }
    }

    // --name, --name=value, or an unambiguous prefix of a name (as nanocat
    // accepts); the value is the rest after '=' or the next argument.
    void long_option(const std::string& arg, std::size_t& next) {
        std::string_view body = std::string_view(arg).substr(2);
        std::optional<std::string> inline_value;
        if (const std::size_t eq = body.find('='); eq != std::string_view::npos) {
            inline_value = std::string(body.substr(eq + 1));
            body = body.substr(0, eq);
        }
        const option_spec* found = nullptr;
        std::vector<const option_spec*> candidates;
        for (const option_spec& spec : options) {
            if (spec.long_name == body) {
                found = &spec;
                break;
            }
            if (!body.empty() && spec.long_name.starts_with(body)) candidates.push_back(&spec);
        }
        if (!found) {
            if (candidates.size() == 1) {
                found = candidates.front();
            } else if (candidates.empty()) {
                fail("unknown option '" + arg + "' (see --help)");
                return;
            } else {
                std::string names;
                for (const option_spec* c : candidates) names += " --" + std::string(c->long_name);
                fail("ambiguous option '" + arg + "': it could be" + names);
                return;
            }
        }
        std::optional<std::string> value;
        if (found->takes_value) {
            if (inline_value) {
                value = std::move(inline_value);
            } else if (next < argv_.size()) {
                value = argv_[next++];
            } else {
                fail("option " + spelling(*found) + " needs a value");
                return;
            }
        } else if (inline_value) {
            fail("option " + spelling(*found) + " takes no value (got '" + arg + "')");
            return;
        }
        apply(*found, value);
    }

    // -v, -vqA, -D value, -Dvalue, -L1234: a value is the rest of the word
    // or the next argument.
    void short_options(const std::string& arg, std::size_t& next) {
        for (std::size_t k = 1; k < arg.size() && !stopped(); ++k) {
            const option_spec* found = nullptr;
            for (const option_spec& spec : options) {
                if (spec.short_name && spec.short_name == arg[k]) found = &spec;
            }
            if (!found) {
                fail(std::string("unknown option '-") + arg[k] + "' (see --help)");
                return;
            }
            if (!found->takes_value) {
                apply(*found, std::nullopt);
                continue;
            }
            if (k + 1 < arg.size()) {
                apply(*found, arg.substr(k + 1));
            } else if (next < argv_.size()) {
                apply(*found, argv_[next++]);
            } else {
                fail("option " + spelling(*found) + " needs a value");
            }
            return;
        }
    }

    void apply(const option_spec& spec, const std::optional<std::string>& value) {
        config& c = result_.cfg;
        const std::string name = spelling(spec);
        switch (spec.id) {
            case opt::verbose:
                ++c.verbosity;
                return;
            case opt::silent:
                --c.verbosity;
                return;
            case opt::help:
                stop_with(parse_result::action::help);
                return;
            case opt::version:
                stop_with(parse_result::action::version);
                return;
            case opt::socket_type:
                if (type_ && *type_ != spec.type) {
                    fail("option " + name + " conflicts with " + type_spelling_ +
                         ": give one socket type");
                    return;
                }
                type_ = spec.type;
                type_spelling_ = name;
                return;
            case opt::bind:
                c.bind_addresses.push_back(*value);
                return;
            case opt::connect:
                c.connect_addresses.push_back(*value);
                return;
            case opt::bind_ipc:
                c.bind_addresses.push_back("ipc://" + *value);
                return;
            case opt::connect_ipc:
                c.connect_addresses.push_back("ipc://" + *value);
                return;
            case opt::bind_local:
                if (port_ok(name, *value)) c.bind_addresses.push_back("tcp://127.0.0.1:" + *value);
                return;
            case opt::connect_local:
                if (port_ok(name, *value)) {
                    c.connect_addresses.push_back("tcp://127.0.0.1:" + *value);
                }
                return;
            case opt::recv_timeout:
                c.recv_timeout_ms = milliseconds(name, *value);
                checks_.push_back({name, need::receiving_type});
                return;
            case opt::send_timeout:
                c.send_timeout_ms = milliseconds(name, *value);
                checks_.push_back({name, need::sending_type});
                return;
            case opt::socket_name:
                c.socket_name = *value;
                return;
            case opt::subscribe:
                c.subscriptions.push_back(*value);
                checks_.push_back({name, need::sub_type});
                return;
            case opt::format_name:
                if (std::optional<format> f = format_from_name(*value)) {
                    c.echo = *f;
                    checks_.push_back({name, need::receiving_type});
                } else {
                    fail("unknown format '" + *value +
                         "' for --format: use no, raw, ascii, quoted, msgpack, hex or json");
                }
                return;
            case opt::format_switch:
                c.echo = spec.echo;
                checks_.push_back({name, need::receiving_type});
                return;
            case opt::interval:
                c.interval_ms = milliseconds(name, *value);
                checks_.push_back({name, need::sending_type});
                return;
            case opt::delay:
                if (std::optional<int> ms = milliseconds(name, *value)) c.delay_ms = *ms;
                return;
            case opt::data:
            case opt::file:
                if (!data_spelling_.empty()) {
                    fail("option " + name + " conflicts with " + data_spelling_ +
                         ": give the data to send once");
                    return;
                }
                data_spelling_ = name;
                c.data.from =
                    spec.id == opt::data ? data_source::kind::literal : data_source::kind::file;
                c.data.value = *value;
                checks_.push_back({name, need::sending_type});
                return;
            case opt::count:
                if (std::optional<std::uint64_t> n = number<std::uint64_t>(*value)) {
                    c.count = *n;
                } else {
                    fail("option " + name + " needs a whole number >= 0 (0: no limit), got '" +
                         *value + "'");
                }
                return;
            case opt::recv_maxsz: {
                const std::optional<long long> n = number<long long>(*value);
                if (!n || *n < -1 || *n > INT_MAX) {
                    fail("option " + name + " needs a size in bytes from -1 to " +
                         std::to_string(INT_MAX) + " (0 or -1: no limit), got '" + *value + "'");
                    return;
                }
                // nngcat's 0 and nanomsg's -1 both mean no limit.
                c.recv_max_size = *n == 0 ? -1 : static_cast<int>(*n);
                return;
            }
            case opt::insecure:
                c.tls.insecure = true;
                note_tls_option(name);
                return;
            case opt::ca_file:
                tls_value(name, *value, "a file name", c.tls.ca_file);
                return;
            case opt::cert_file:
                tls_value(name, *value, "a file name", c.tls.cert_file);
                return;
            case opt::key_file:
                tls_value(name, *value, "a file name", c.tls.key_file);
                return;
            case opt::server_name:
                tls_value(name, *value, "a host name", c.tls.server_name);
                return;
            case opt::ws_text:
                c.ws_text = true;
                return;
            case opt::stats:
                c.stats = true;
                return;
        }
    }

    // --cacert FILE, ...: a TLS option's value (WHAT), which may not be
    // empty (the library would take '' as "unset").
    void tls_value(const std::string& name, const std::string& value, const char* what,
                   std::optional<std::string>& field) {
        note_tls_option(name);
        if (value.empty()) {
            fail("option " + name + " needs " + what + ", got ''");
            return;
        }
        field = value;
    }

    // The TLS options given, each once, in order, for the warning in finish().
    void note_tls_option(const std::string& name) {
        for (const std::string& seen : tls_spellings_) {
            if (seen == name) return;
        }
        tls_spellings_.push_back(name);
    }

    // Options that no address uses: set on the socket all the same, but
    // probably a mistake (a tcp:// meant as tls+tcp://).
    void warn_about_unused_options() {
        const config& c = result_.cfg;
        bool tls_address = false, ws_address = false;
        for (const auto* addresses : {&c.bind_addresses, &c.connect_addresses}) {
            for (const std::string& address : *addresses) {
                tls_address = tls_address || uses_scheme(address, {"tls+tcp://", "wss://"});
                ws_address = ws_address || uses_scheme(address, {"ws://", "wss://"});
            }
        }
        if (!tls_spellings_.empty() && !tls_address) {
            std::string names;
            for (const std::string& name : tls_spellings_) {
                names += (names.empty() ? "" : ", ") + name;
            }
            const bool one = tls_spellings_.size() == 1;
            result_.warnings.push_back((one ? "TLS option " : "TLS options ") + names +
                                       (one ? " has" : " have") +
                                       " no effect: no address uses tls+tcp:// or wss://");
        }
        if (c.ws_text && !ws_address) {
            result_.warnings.push_back("--ws-text has no effect: no address uses ws:// or wss://");
        }
    }

    template <typename T>
    static std::optional<T> number(const std::string& text) {
        T v{};
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
        return v;
    }

    bool port_ok(const std::string& name, const std::string& value) {
        const std::optional<long> port = number<long>(value);
        if (!port || *port < 1 || *port > 65535) {
            fail("option " + name + " needs a tcp port from 1 to 65535, got '" + value + "'");
            return false;
        }
        return true;
    }

    // SEC as nanocat takes it (a decimal number, fractions allowed), in
    // whole milliseconds as nanocat computes them ((int)(SEC * 1000)).
    std::optional<int> milliseconds(const std::string& name, const std::string& value) {
        const std::optional<double> seconds = number<double>(value);
        if (!seconds || !std::isfinite(*seconds) || *seconds < 0 ||
            *seconds * 1000 > static_cast<double>(INT_MAX)) {
            fail("option " + name + " needs a number of seconds from 0 to " +
                 std::to_string(INT_MAX / 1000) + ", got '" + value + "'");
            return std::nullopt;
        }
        return static_cast<int>(*seconds * 1000);
    }

    parse_result finish() {
        if (!type_) {
            return fail(
                "no socket type: give one of --push, --pull, --pub, --sub, --req, --rep, "
                "--surveyor, --respondent, --bus, --pair (see --help)");
        }
        config& c = result_.cfg;
        c.socket_role = *type_;
        if (c.bind_addresses.empty() && c.connect_addresses.empty()) {
            return fail(
                "no address: give at least one of --bind, --connect, --bind-ipc (-X), "
                "--connect-ipc (-x), --bind-local (-L), --connect-local (-l)");
        }
        if (c.tls.key_file && !c.tls.cert_file) {
            return fail("option --key needs -E (--cert): the certificate whose key it is");
        }
        const std::string type = type_spelling_;
        for (const pending_check& check : checks_) {
            switch (check.what) {
                case need::sending_type:
                    if (!role_sends(c.socket_role)) {
                        return fail("option " + check.option +
                                    " needs a socket type that sends, not " + type);
                    }
                    break;
                case need::receiving_type:
                    if (!role_receives(c.socket_role)) {
                        return fail("option " + check.option +
                                    " needs a socket type that receives, not " + type);
                    }
                    break;
                case need::sub_type:
                    if (c.socket_role != role::sub) {
                        return fail("option " + check.option + " needs --sub, not " + type);
                    }
                    break;
            }
        }
        warn_about_unused_options();
        result_.what = parse_result::action::run;
        return result_;
    }

    const std::vector<std::string>& argv_;
    parse_result result_;
    std::optional<role> type_;
    std::string type_spelling_;  // how the type was given, for messages
    std::string data_spelling_;  // how -D/-F was given, for the conflict message
    std::vector<pending_check> checks_;
    std::vector<std::string> tls_spellings_;  // TLS options given, for the warning
    bool stopped_ = false;
};

}  // namespace

std::string_view role_name(role r) {
    switch (r) {
        case role::push:
            return "push";
        case role::pull:
            return "pull";
        case role::pub:
            return "pub";
        case role::sub:
            return "sub";
        case role::req:
            return "req";
        case role::rep:
            return "rep";
        case role::surveyor:
            return "surveyor";
        case role::respondent:
            return "respondent";
        case role::bus:
            return "bus";
        case role::pair:
            return "pair";
    }
    return "?";
}

bool role_sends(role r) { return r != role::pull && r != role::sub; }

bool role_receives(role r) { return r != role::push && r != role::pub; }

parse_result parse_args(const std::vector<std::string>& argv) { return parser(argv).run(); }

std::string help_text(std::string_view program) {
    // {program} stands for the name the program was run as.
    std::string text = R"(Usage:
    {program} {--push|--pull|--pub|--sub|--req|--rep|--surveyor|--respondent|--bus|--pair}
          {--bind ADDR|--connect ADDR|-X PATH|-x PATH|-L PORT|-l PORT}...
          [-vqhAQ] [--format FORMAT] [-i SEC] [-d SEC] [-D DATA|-F PATH] [options]
    np_push, np_pull, np_pub, np_sub, np_req, np_rep, np_surveyor, np_respondent,
    np_bus, np_pair: the same program with the socket type preselected.

Send and receive nanomsg (SP) messages from the command line: nanocat's options
and meanings, built on nanoport.

Generic:
 --verbose,-v           Say more on stderr (endpoints, sends, timeouts)
 --silent,-q            Say less on stderr (no warnings, only fatal errors)
 --help,-h              This help text
 --version              Print the npcat and nanoport versions
 --stats                On exit, print the socket's statistics to stderr as one
                        JSON object (nn_get_statistic: nanomsg's and nanoport's,
                        tls_failures, ...)

Socket Types:
 --push                 Use NN_PUSH socket type
 --pull                 Use NN_PULL socket type
 --pub                  Use NN_PUB socket type
 --sub                  Use NN_SUB socket type
 --req                  Use NN_REQ socket type
 --rep                  Use NN_REP socket type
 --surveyor             Use NN_SURVEYOR socket type
 --respondent           Use NN_RESPONDENT socket type
 --bus                  Use NN_BUS socket type
 --pair                 Use NN_PAIR socket type

Socket Options (the address options can be repeated; binds happen first):
 --bind ADDR            Bind socket to the address ADDR
 --connect ADDR         Connect socket to the address ADDR
 --bind-ipc,-X PATH     Bind socket to the ipc address "ipc://PATH"
 --connect-ipc,-x PATH  Connect socket to the ipc address "ipc://PATH"
 --bind-local,-L PORT   Bind socket to the tcp address "tcp://127.0.0.1:PORT"
 --connect-local,-l PORT
                        Connect socket to the tcp address "tcp://127.0.0.1:PORT"
 --recv-timeout SEC     Set timeout for receiving a message; npcat ends when it
                        has waited SEC seconds for one
 --send-timeout SEC     Set timeout for sending a message; a send that times out
                        is an error
 --socket-name NAME     Name of the socket for statistics
 --recv-maxsz,-Z SIZE   Largest message accepted, in bytes (NN_RCVMAXSIZE;
                        default 1048576; 0 or -1: no limit)

SUB Socket Options:
 --subscribe PREFIX     Subscribe to the prefix PREFIX (repeatable). Note: socket
                        will be subscribed to everything (empty prefix) if no
                        prefixes are specified on the command-line.

TLS and WebSocket Options (tls+tcp://HOST:PORT, wss://HOST:PORT/PATH, ws://...;
set on every endpoint; a connecting socket verifies the server's certificate
and name unless -k, a bound one asks for no client certificate):
 --cacert FILE          Trust the CA certificates in FILE (PEM) to verify the
                        peer (default: the system's CAs)
 --cert,-E FILE         Present the certificate chain in FILE (PEM, our own
                        certificate first); a bound socket needs one
 --key FILE             The private key of --cert, in FILE (PEM; default: the
                        key is in the --cert file)
 --insecure,-k          Do not verify the peer's certificate
 --server-name NAME     The name the server's certificate must carry, also
                        sent as SNI (default: the host of the address; npcat's
                        own, nngcat has none)
 --ws-text              Send messages as WebSocket text frames, not binary
                        ones (npcat's own; the messages must be UTF-8)

Input Options (how received messages are printed on stdout; default: not at all):
 --format FORMAT        no, raw, ascii, quoted, msgpack, hex or json (same as the
                        options below)
 --raw                  Dump message as is (Note: no delimiters are printed)
 --ascii,-A             Print ASCII part of message delimited by newline. All
                        non-ascii characters replaced by dot.
 --quoted,-Q            Print each message on separate line in double quotes
                        with C-like character escaping
 --msgpack              Print each message as msgpacked string (bin type)
 --hex                  Print each message on separate line in double quotes
                        with hex values
 --json                 Print each message as one JSON object on one line:
                        {"time":ISO-8601 UTC,"size":BYTES,"encoding":"utf-8"
                        or "base64","body":TEXT} and, for REQ, REP, SURVEYOR
                        and RESPONDENT, "request_id" (these then use a raw
                        socket to see the SP header)

Output Options (what is sent):
 --interval,-i SEC      Send message (or request) every SEC seconds; with
                        messages from stdin, send at most one every SEC seconds
 --delay,-d SEC         Wait for SEC seconds before sending message (useful for
                        one-shot PUB sockets)
 --data,-D DATA         Send DATA to the socket and quit for PUB, PUSH. Send DATA
                        and then receive for PAIR, BUS. Use DATA to reply for
                        REP or RESPONDENT socket. Send DATA as request for REQ
                        or SURVEYOR socket.
 --file,-F PATH         Same as --data but get data from file PATH (- is stdin)
 --count,-C N           Stop after N messages: sent ones for PUSH and PUB,
                        received ones for every other type (0: no limit)

Without -D and -F, PUSH, PUB, REQ, SURVEYOR, PAIR and BUS send the lines of
stdin, one message per line without its newline: PUSH and PUB end at the end of
stdin (after the queued messages have left, NN_LINGER); REQ and SURVEYOR send
each line as a request and print its replies (a REQ waits at most
--recv-timeout for one, then goes on), ending at the end of stdin; PAIR and BUS
keep receiving after it (end them with --recv-timeout or --count). REP and
RESPONDENT without -D/-F only receive, as in nanocat.

Exit status: 0 when done (a receive timeout ends npcat normally), 1 for a bad
command line, 2 when a file given (-F, --cacert, --cert, --key) cannot be read,
3 when a socket call fails.

Examples:
    {program} --rep --bind tcp://127.0.0.1:1234 --data pong --format ascii
    {program} --req --connect tcp://127.0.0.1:1234 --data ping --format ascii
    seq 3 | np_push -L1234        and        np_pull -l1234 -A
    {program} --rep --bind tls+tcp://0.0.0.0:4433 --cert server.pem --data pong
    {program} --req --connect tls+tcp://server:4433 --cacert ca.pem --data ping -A
)";
    const std::string placeholder = "{program}";
    for (std::size_t at = 0; (at = text.find(placeholder, at)) != std::string::npos;
         at += program.size()) {
        text.replace(at, placeholder.size(), program);
    }
    return text;
}

}  // namespace npcat
