#include "aio/log.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nanoport::aio {

bool log_enabled() noexcept {
    static const bool enabled = [] {
        const char* v = std::getenv("NANOPORT_LOG");
        return v && *v && std::strcmp(v, "0") != 0;
    }();
    return enabled;
}

void log(const char* format, ...) noexcept {
    if (!log_enabled()) return;
    char line[512];
    std::va_list args;
    va_start(args, format);
    std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    std::fprintf(stderr, "nanoport: %s\n", line);
}

}  // namespace nanoport::aio
