// log: nanoport's one log line facility. Off unless the environment variable
// NANOPORT_LOG is set (to anything but "0"); then each line goes to stderr,
// prefixed with "nanoport: ". A library must not chatter on stderr because a
// peer misbehaved, but an operator chasing a fault must be able to see why.
//
// Threads: any; each line is written with one call.
#pragma once

namespace nanoport::aio {

bool log_enabled() noexcept;
void log(const char* format, ...) noexcept __attribute__((format(printf, 1, 2)));

}  // namespace nanoport::aio
