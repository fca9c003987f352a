// What npcat does once its command line is parsed: open the socket, then
// send and receive as nanocat does for the socket type (see run.cpp for the
// loops), print received messages on stdout in the chosen format, and with
// --stats print the statistics on stderr at the end. Main thread.
#pragma once

#include "args.hpp"

namespace npcat {

// Returns the exit status; throws npcat::failure when something fails.
// Calls check_files() first.
int run(const config& cfg);

// Throws npcat::failure (exit_input) naming the option and the file when a
// file the config names for TLS (--cacert, --cert, --key) cannot be opened
// for reading or is a directory: before any socket work, so that the
// mistake is not reported as a failed bind or connect.
void check_files(const config& cfg);

}  // namespace npcat
