// Splits what is read from a file descriptor (npcat's stdin) into lines:
// one message per line, without its '\n'. A last line without a newline is a
// message too; an empty line is an empty message. Used by run.cpp on the
// main thread, either blocking (next()) or after poll() said the descriptor
// is readable (read_available()).
#pragma once

#include <deque>
#include <optional>
#include <string>

namespace npcat {

class line_reader {
public:
    explicit line_reader(int fd) : fd_(fd) {}

    // The next line, blocking until it is complete; nullopt at end of input.
    std::optional<std::string> next();

    // One read(): appends the lines it completes to OUT. Returns false once
    // the input has ended (the unterminated last line, if any, appended).
    bool read_available(std::deque<std::string>& out);

    bool ended() const { return ended_; }

private:
    // One read() into buffer_; false at end of input. Throws npcat::failure
    // (exit status 2) when the read fails.
    bool fill();

    int fd_;
    std::string buffer_;
    std::size_t scanned_ = 0;  // buffer_[0, scanned_) holds no '\n'
    bool ended_ = false;
};

// All of what FD delivers until its end (for -F -).
std::string read_all(int fd, const std::string& name);

}  // namespace npcat
