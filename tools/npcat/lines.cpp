#include "lines.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "failure.hpp"

namespace npcat {

bool line_reader::fill() {
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
        if (n == 0) {
            ended_ = true;
            return false;
        }
        if (errno == EINTR) continue;
        throw failure(std::string("can't read stdin: ") + std::strerror(errno), exit_input);
    }
}

std::optional<std::string> line_reader::next() {
    for (;;) {
        const std::size_t newline = buffer_.find('\n', scanned_);
        if (newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            scanned_ = 0;
            return line;
        }
        scanned_ = buffer_.size();
        if (ended_ || !fill()) {
            if (buffer_.empty()) return std::nullopt;
            std::string last = std::move(buffer_);
            buffer_.clear();
            scanned_ = 0;
            return last;
        }
    }
}

bool line_reader::read_available(std::deque<std::string>& out) {
    if (!ended_) fill();
    std::size_t start = 0;
    for (std::size_t newline; (newline = buffer_.find('\n', start)) != std::string::npos;
         start = newline + 1) {
        out.push_back(buffer_.substr(start, newline - start));
    }
    buffer_.erase(0, start);
    scanned_ = 0;
    if (ended_ && !buffer_.empty()) {
        out.push_back(std::move(buffer_));
        buffer_.clear();
    }
    return !ended_;
}

std::string read_all(int fd, const std::string& name) {
    std::string all;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            all.append(chunk, static_cast<std::size_t>(n));
        } else if (n == 0) {
            return all;
        } else if (errno != EINTR) {
            throw failure("can't read " + name + ": " + std::strerror(errno), exit_input);
        }
    }
}

}  // namespace npcat
