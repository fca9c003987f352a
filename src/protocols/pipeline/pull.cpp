// pull: cooked PULL; see pull.hpp.
#include "protocols/pipeline/pull.hpp"

namespace nanoport::protocols {

std::error_code pull::receive(aio::message& m) {
    const std::error_code ec = xpull::receive(m);
    if (!ec) m.clear_header();
    return ec;
}

}  // namespace nanoport::protocols
