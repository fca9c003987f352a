// respondent: cooked RESPONDENT; see respondent.hpp.
#include "protocols/survey/respondent.hpp"

#include "nanoport/error.hpp"

namespace nanoport::protocols {

std::error_code respondent::send(aio::message& m) {
    if (survey_.empty()) return make_error_code(errc::bad_state);
    m.set_header(survey_.bytes());
    survey_.clear();
    return xrespondent::send(m);
}

std::error_code respondent::receive(aio::message& m) {
    survey_.clear();
    if (std::error_code ec = xrespondent::receive(m)) return ec;
    // xrep's header is at most max_header_size bytes, which always fits.
    survey_.keep(m.header());
    m.clear_header();
    return {};
}

bool respondent::can_send() const { return !survey_.empty(); }

}  // namespace nanoport::protocols
