#include "core/eventfd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace nanoport::core {

eventfd::~eventfd() {
    if (fd_ >= 0) ::close(fd_);
}

std::error_code eventfd::open(bool signalled) {
    if (fd_ >= 0) return {};
    const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) return {errno, std::generic_category()};
    fd_ = fd;
    signalled_ = false;
    set(signalled);
    return {};
}

void eventfd::set(bool signalled) noexcept {
    if (fd_ < 0 || signalled == signalled_) return;
    signalled_ = signalled;
    std::uint64_t value = 1;
    // Non-blocking, never full (the counter is 0 or 1 here), never empty when
    // draining: the results need no handling beyond EINTR.
    if (signalled) {
        while (::write(fd_, &value, sizeof value) < 0 && errno == EINTR) {
        }
    } else {
        while (::read(fd_, &value, sizeof value) < 0 && errno == EINTR) {
        }
    }
}

}  // namespace nanoport::core
