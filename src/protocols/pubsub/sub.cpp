// sub: cooked SUB; see sub.hpp.
#include "protocols/pubsub/sub.hpp"

namespace nanoport::protocols {

std::error_code sub::receive(aio::message& m) {
    const std::error_code ec = xsub::receive(m);
    if (!ec) m.clear_header();
    return ec;
}

}  // namespace nanoport::protocols
