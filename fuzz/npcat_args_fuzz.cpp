// libFuzzer target for npcat's command-line parser (tools/npcat/args.hpp).
//
// Input: argv, the arguments separated by NUL bytes (as /proc/PID/cmdline
// holds them); the first is the program name, which may select the socket
// type (np_push, ...).
//
// Properties (abort when violated):
// - parse_args never throws (beyond std::bad_alloc) and is deterministic;
// - a failure has a one-line, non-empty message;
// - a run config is consistent: a socket type, an address, the options that
//   need a sending / receiving / SUB socket only with one, values in range;
// - round trip: the config written back as a canonical command line parses
//   to the same config (timeouts and intervals within a millisecond: they
//   go through seconds as doubles, as in nanocat);
// - help_text() substitutes every "{program}" for a program name without one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "args.hpp"

namespace {

using namespace npcat;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "npcat_args_fuzz: %s\n", what);
    std::abort();
}

void require(bool condition, const char* what) {
    if (!condition) fail(what);
}

std::string_view format_name(format f) {
    switch (f) {
        case format::none:
            return "no";
        case format::raw:
            return "raw";
        case format::ascii:
            return "ascii";
        case format::quoted:
            return "quoted";
        case format::msgpack:
            return "msgpack";
        case format::hex:
            return "hex";
        case format::json:
            return "json";
    }
    return "?";
}

// Whole milliseconds as seconds, exactly as text ("1.234").
std::string seconds(int ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%d.%03d", ms / 1000, ms % 1000);
    return text;
}

std::vector<std::string> canonical(const config& c) {
    std::vector<std::string> argv{"npcat", "--" + std::string(role_name(c.socket_role))};
    for (const std::string& a : c.bind_addresses) argv.insert(argv.end(), {"--bind", a});
    for (const std::string& a : c.connect_addresses) argv.insert(argv.end(), {"--connect", a});
    if (c.recv_timeout_ms) argv.insert(argv.end(), {"--recv-timeout", seconds(*c.recv_timeout_ms)});
    if (c.send_timeout_ms) argv.insert(argv.end(), {"--send-timeout", seconds(*c.send_timeout_ms)});
    if (c.socket_name) argv.insert(argv.end(), {"--socket-name", *c.socket_name});
    for (const std::string& s : c.subscriptions) argv.insert(argv.end(), {"--subscribe", s});
    if (c.echo != format::none)
        argv.insert(argv.end(), {"--format", std::string(format_name(c.echo))});
    switch (c.data.from) {
        case data_source::kind::standard_input_lines:
            break;
        case data_source::kind::literal:
            argv.insert(argv.end(), {"--data", c.data.value});
            break;
        case data_source::kind::file:
            argv.insert(argv.end(), {"--file", c.data.value});
            break;
    }
    if (c.interval_ms) argv.insert(argv.end(), {"--interval", seconds(*c.interval_ms)});
    if (c.delay_ms) argv.insert(argv.end(), {"--delay", seconds(c.delay_ms)});
    for (int i = 0; i < c.verbosity; ++i) argv.push_back("-v");
    for (int i = 0; i > c.verbosity; --i) argv.push_back("-q");
    if (c.count) argv.insert(argv.end(), {"--count", std::to_string(c.count)});
    if (c.recv_max_size)
        argv.insert(argv.end(), {"--recv-maxsz", std::to_string(*c.recv_max_size)});
    if (c.stats) argv.push_back("--stats");
    return argv;
}

bool close_ms(const std::optional<int>& a, const std::optional<int>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (*a - *b <= 1 && *b - *a <= 1);
}

bool same_config(const config& a, const config& b) {
    return a.socket_role == b.socket_role && a.bind_addresses == b.bind_addresses &&
           a.connect_addresses == b.connect_addresses &&
           close_ms(a.recv_timeout_ms, b.recv_timeout_ms) &&
           close_ms(a.send_timeout_ms, b.send_timeout_ms) && a.socket_name == b.socket_name &&
           a.subscriptions == b.subscriptions && a.echo == b.echo && a.data.from == b.data.from &&
           a.data.value == b.data.value && close_ms(a.interval_ms, b.interval_ms) &&
           close_ms(a.delay_ms, b.delay_ms) && a.verbosity == b.verbosity && a.count == b.count &&
           a.recv_max_size == b.recv_max_size && a.stats == b.stats;
}

bool same_result(const parse_result& a, const parse_result& b) {
    return a.what == b.what && a.error == b.error &&
           (a.what != parse_result::action::run || same_config(a.cfg, b.cfg));
}

void check_config(const config& c) {
    require(!c.bind_addresses.empty() || !c.connect_addresses.empty(), "run without an address");
    const bool sends = role_sends(c.socket_role);
    const bool receives = role_receives(c.socket_role);
    require(c.subscriptions.empty() || c.socket_role == role::sub,
            "subscriptions on a socket that is not SUB");
    require(c.echo == format::none || receives, "an echo format on a socket that cannot receive");
    require(c.data.from == data_source::kind::standard_input_lines || sends,
            "-D/-F on a socket that cannot send");
    require(!c.interval_ms || sends, "--interval on a socket that cannot send");
    require(!c.send_timeout_ms || sends, "--send-timeout on a socket that cannot send");
    require(!c.recv_timeout_ms || receives, "--recv-timeout on a socket that cannot receive");
    for (const std::optional<int>& ms : {c.recv_timeout_ms, c.send_timeout_ms, c.interval_ms})
        require(!ms || *ms >= 0, "a negative time");
    require(c.delay_ms >= 0, "a negative delay");
    require(!c.recv_max_size || (*c.recv_max_size >= -1 && *c.recv_max_size != 0),
            "--recv-maxsz out of range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> argv(1);
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0)
            argv.emplace_back();
        else
            argv.back() += static_cast<char>(data[i]);
    }

    parse_result first;
    try {
        first = parse_args(argv);
    } catch (const std::bad_alloc&) {
        return 0;
    }
    require(same_result(first, parse_args(argv)), "parse_args is not deterministic");

    switch (first.what) {
        case parse_result::action::fail:
            require(!first.error.empty(), "a failure without a message");
            // Argument text is quoted into the message as given, so a newline in
            // an argument may show; the parser's own words never add one.
            {
                std::size_t arg_newlines = 0;
                for (const std::string& a : argv)
                    for (char ch : a) arg_newlines += ch == '\n';
                std::size_t newlines = 0;
                for (char ch : first.error) newlines += ch == '\n';
                require(newlines <= arg_newlines, "a failure message of more than one line");
            }
            break;
        case parse_result::action::help:
        case parse_result::action::version:
            break;
        case parse_result::action::run: {
            check_config(first.cfg);
            const parse_result again = parse_args(canonical(first.cfg));
            require(again.what == parse_result::action::run,
                    "the canonical command line does not parse");
            require(same_config(first.cfg, again.cfg),
                    "the canonical command line parses to another config");
            break;
        }
    }

    if (argv[0].find("{program}") == std::string::npos && argv[0].size() < 256) {
        const std::string help = help_text(argv[0]);
        require(help.find("{program}") == std::string::npos,
                "help_text left a {program} placeholder");
    }
    return 0;
}
