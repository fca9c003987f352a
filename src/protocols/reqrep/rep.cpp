// rep: cooked REP; see rep.hpp.
#include "protocols/reqrep/rep.hpp"

#include "nanoport/error.hpp"

namespace nanoport::protocols {

std::error_code rep::send(aio::message& m) {
    if (request_.empty()) return make_error_code(errc::bad_state);
    m.set_header(request_.bytes());
    request_.clear();
    return xrep::send(m);
}

std::error_code rep::receive(aio::message& m) {
    request_.clear();
    if (std::error_code ec = xrep::receive(m)) return ec;
    // xrep's header is at most max_header_size bytes, which always fits.
    request_.keep(m.header());
    m.clear_header();
    return {};
}

bool rep::can_send() const { return !request_.empty(); }

}  // namespace nanoport::protocols
