// bus: cooked BUS; see bus.hpp.
#include "protocols/bus/bus.hpp"

namespace nanoport::protocols {

std::error_code bus::send(aio::message& m) {
    // BUS never says EAGAIN, so the header can go at once.
    m.clear_header();
    return xbus::send(m);
}

std::error_code bus::receive(aio::message& m) {
    const std::error_code ec = xbus::receive(m);
    if (!ec) m.clear_header();
    return ec;
}

}  // namespace nanoport::protocols
