// What npcat does once its command line is parsed: open the socket, then
// send and receive as nanocat does for the socket type (see run.cpp for the
// loops), print received messages on stdout in the chosen format, and with
// --stats print the statistics on stderr at the end. Main thread.
#pragma once

#include "args.hpp"

namespace npcat {

// Returns the exit status; throws npcat::failure when something fails.
int run(const config& cfg);

}  // namespace npcat
