// xpair: raw PAIR; see xpair.hpp.
#include "protocols/pair/xpair.hpp"

namespace nanoport::protocols {

std::error_code xpair::add(transport::pipe& p) {
    return peer_.add(p);
}

void xpair::remove(transport::pipe& p) {
    peer_.remove(p);
}

void xpair::readable(transport::pipe& p) {
    peer_.readable(p);
}

void xpair::writable(transport::pipe& p) {
    peer_.writable(p);
}

std::error_code xpair::send(aio::message& m) {
    return peer_.send(m);
}

std::error_code xpair::receive(aio::message& m) {
    return peer_.receive(m);
}

bool xpair::can_send() const {
    return peer_.can_send();
}

bool xpair::can_receive() const {
    return peer_.can_receive();
}

}  // namespace nanoport::protocols
