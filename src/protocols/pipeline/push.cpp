// push: cooked PUSH; see push.hpp.
#include "protocols/pipeline/push.hpp"

namespace nanoport::protocols {

std::error_code push::send(aio::message& m) {
    // Only when the message will go: on EAGAIN the caller keeps it untouched.
    if (!can_send()) return std::make_error_code(std::errc::resource_unavailable_try_again);
    m.clear_header();
    return xpush::send(m);
}

}  // namespace nanoport::protocols
