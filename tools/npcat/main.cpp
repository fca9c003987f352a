// npcat: nanocat's command line on nanoport. Parses the arguments
// (args.cpp), answers --help and --version, prints the parser's warnings
// (unless -q), runs (run.cpp) and turns a failure into "npcat: <why>" on
// stderr and the exit status.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "args.hpp"
#include "failure.hpp"
#include "run.hpp"

#ifndef NPCAT_VERSION
#define NPCAT_VERSION "unknown"
#endif

namespace {

// The name the program was run as, without its directory (np_push, npcat, ...).
std::string program_name(const std::vector<std::string>& args) {
    if (args.empty() || args[0].empty()) return "npcat";
    const std::size_t slash = args[0].rfind('/');
    return slash == std::string::npos ? args[0] : args[0].substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv, argv + argc);
    const npcat::parse_result parsed = npcat::parse_args(args);
    switch (parsed.what) {
        case npcat::parse_result::action::help:
            std::fputs(npcat::help_text(program_name(args)).c_str(), stdout);
            return npcat::exit_ok;
        case npcat::parse_result::action::version:
            std::printf("npcat %s (nanoport %s, nanomsg C API)\n", NPCAT_VERSION, NPCAT_VERSION);
            return npcat::exit_ok;
        case npcat::parse_result::action::fail:
            std::fprintf(stderr, "npcat: %s\n", parsed.error.c_str());
            return npcat::exit_usage;
        case npcat::parse_result::action::run:
            break;
    }
    if (parsed.cfg.verbosity >= 0) {
        for (const std::string& warning : parsed.warnings) {
            std::fprintf(stderr, "npcat: %s\n", warning.c_str());
        }
    }
    try {
        return npcat::run(parsed.cfg);
    } catch (const npcat::failure& f) {
        std::fprintf(stderr, "npcat: %s\n", f.what());
        return f.status();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "npcat: %s\n", e.what());
        return npcat::exit_socket;
    }
}
