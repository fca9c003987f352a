// How npcat gives up: a failure carries the message for stderr and the exit
// status, nanocat's where nanocat has one. Thrown anywhere below main() on
// the main thread and caught only in main.cpp.
#pragma once

#include <stdexcept>
#include <string>

namespace npcat {

enum exit_status : int {
    exit_ok = 0,
    exit_usage = 1,   // bad command line (nanocat: 1)
    exit_input = 2,   // the -F file or stdin cannot be read (nanocat: 2)
    exit_socket = 3,  // a socket call failed (nanocat: 3)
};

class failure : public std::runtime_error {
public:
    failure(const std::string& message, int status)
        : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

}  // namespace npcat
