// pub: cooked PUB; see pub.hpp.
#include "protocols/pubsub/pub.hpp"

namespace nanoport::protocols {

std::error_code pub::send(aio::message& m) {
    // PUB never says EAGAIN, so the header can go at once.
    m.clear_header();
    return xpub::send(m);
}

}  // namespace nanoport::protocols
