// excl: see excl.hpp.
#include "protocols/utils/excl.hpp"

#include <utility>

namespace nanoport::protocols::utils {

std::error_code excl::add(transport::pipe& p) noexcept {
    if (pipe_) return std::make_error_code(std::errc::already_connected);
    pipe_ = &p;
    writable_ = true;
    readable_ = false;
    return {};
}

void excl::remove(transport::pipe& p) noexcept {
    if (&p != pipe_) return;
    pipe_ = nullptr;
    writable_ = false;
    readable_ = false;
}

void excl::writable(transport::pipe& p) noexcept {
    if (&p == pipe_) writable_ = true;
}

void excl::readable(transport::pipe& p) noexcept {
    if (&p == pipe_) readable_ = true;
}

std::error_code excl::send(aio::message& m) noexcept {
    if (!can_send()) return std::make_error_code(std::errc::resource_unavailable_try_again);
    writable_ = pipe_->send(std::move(m));
    return {};
}

std::error_code excl::receive(aio::message& m) noexcept {
    if (!can_receive()) return std::make_error_code(std::errc::resource_unavailable_try_again);
    const auto got = pipe_->receive(m);
    // A pipe reported readable that gives nothing broke its promise; treat
    // it as drained rather than trust it again before readable().
    readable_ = got.received && got.more;
    if (!got.received) return std::make_error_code(std::errc::resource_unavailable_try_again);
    return {};
}

}  // namespace nanoport::protocols::utils
