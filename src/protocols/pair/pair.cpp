// pair: cooked PAIR; see pair.hpp.
#include "protocols/pair/pair.hpp"

namespace nanoport::protocols {

std::error_code pair::send(aio::message& m) {
    // Only when the message will go: on EAGAIN the caller keeps it untouched.
    if (!can_send()) return std::make_error_code(std::errc::resource_unavailable_try_again);
    m.clear_header();
    return xpair::send(m);
}

std::error_code pair::receive(aio::message& m) {
    const std::error_code ec = xpair::receive(m);
    if (!ec) m.clear_header();
    return ec;
}

}  // namespace nanoport::protocols
