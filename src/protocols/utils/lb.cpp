// lb: see lb.hpp.
#include "protocols/utils/lb.hpp"

#include <utility>

namespace nanoport::protocols::utils {

void lb::add(node& n, transport::pipe& p) noexcept {
    pipes_.add(n, p, p.send_priority());
    pipes_.activate(n);
}

std::error_code lb::send(aio::message& m) noexcept {
    transport::pipe* to = nullptr;
    return send(m, to);
}

std::error_code lb::send(aio::message& m, transport::pipe*& to) noexcept {
    transport::pipe* p = pipes_.current();
    if (!p) return std::make_error_code(std::errc::resource_unavailable_try_again);
    // pipe::send never calls back into the socket (pipe contract), so the
    // round is still where we left it when it returns.
    const bool still_writable = p->send(std::move(m));
    pipes_.advance(!still_writable);
    to = p;
    return {};
}

}  // namespace nanoport::protocols::utils
